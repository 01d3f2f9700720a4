export { default } from '../../../handlers/create_microservice.js';
