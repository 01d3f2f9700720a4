// The repository's example action, as a new user would run it first.
export { default } from '../../../handlers/create_microservice.js';
