#!/usr/bin/env python3
"""Writes test/fixtures/python-json-dumps-vectors.json: what port-agent (Python) signs and sends.

port-agent signs `json.dumps(body, separators=(",", ":"))` and sends `json.dumps(body)`. Each vector holds
the wire text, the signed text and the signature, computed here with Python's own json module so the
service's re-serialiser is checked against the real thing. Run: python3 scripts/python-json-vectors.py
"""
import base64
import hashlib
import hmac
import json
import pathlib
import platform

SECRET = "python-vector-secret"
TIMESTAMP = "1700000000"

# Bodies as Python builds them (what port-agent relays), sent as json.dumps(body).
BODIES = {
    "small floats": {"run_id": "r_py", "inputs": {"a": 1e-07, "b": 1e-05, "c": 0.0001, "d": 2.5e-10, "e": 5e-324}},
    "large floats": {"inputs": {"a": 1e16, "b": 1e15, "c": 1e22, "d": 1.7976931348623157e308, "e": 123456789.123, "f": 1.5e300}},
    "whole floats": {"inputs": {"a": 1.0, "b": 100.0, "c": -0.0, "d": 0.0, "e": -2.0, "f": 1e5}},
    "fractions": {"inputs": {"a": 0.1, "b": 0.5, "c": -3.14159, "d": 1 / 3, "e": 2 / 3 * 1e-3}},
    "integers": {"inputs": {"a": 0, "b": -1, "c": 10**20, "d": 2**53 + 1, "e": -(10**30), "f": 42}},
    "integer-like keys keep their order": {"b": 1, "1": 2, "a": [1, 1.0], "0": {"10": 1e-7, "2": None}},
    "strings": {"s": "café ☃ 😀", "q": "quote \" backslash \\ slash /", "c": "\n\r\t\b\f\x00\x1f\x7f", "u": "\u2028\u2029"},
    "nesting and literals": {"l": [True, False, None, [], {}, [[1.25e-8]]], "o": {"p": {"q": {"r": 1e-7}}}},
    "a port-agent run message": {
        "action": "create_microservice",
        "resourceType": "run",
        "status": "TRIGGERED",
        "context": {"entity": None, "blueprint": "microservice", "runId": "r_VB3iC6a1n0C4nQWB"},
        "payload": {"entity": None, "action": {"identifier": "create_microservice"}, "properties": {"replicas": 3, "cpu": 0.25, "ratio": 1e-06, "name": "svc é"}},
        "trigger": {"by": {"orgId": "org_1", "userId": "u_1"}, "origin": "UI", "at": "2024-05-01T10:00:00.000Z"},
    },
}

# Texts other senders might put on the wire: Python reads them (json.loads) and signs its own rendering.
TEXTS = {
    "number spellings": '{"a": 1.50, "b": 1E5, "c": -0, "d": -0.0, "e": 1.0e0, "f": 0.000001, "g": 12345678901234567890, "h": 1e-7}',
    "escapes in the text": '{"s": "caf\\u00E9 \\/ \\ud83d\\ude00", "t": "\\u0041"}',
    "spacing": '  { "a" : [ 1 , 2.0 , { } , [ ] ] ,\n\t"b" : "x" }  ',
}


def sign(text: str) -> str:
    mac = hmac.new(SECRET.encode(), f"{TIMESTAMP}.{text}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def vector(name: str, wire: str) -> dict:
    signed = json.dumps(json.loads(wire), separators=(",", ":"))
    return {"name": name, "wire": wire, "signed": signed, "x-port-signature": sign(signed)}


vectors = [vector(name, json.dumps(body)) for name, body in BODIES.items()]
vectors += [vector(name, text) for name, text in TEXTS.items()]
out = {
    "_meta": {
        "generator": "scripts/python-json-vectors.py",
        "python": platform.python_version(),
        "signed": 'json.dumps(json.loads(wire), separators=(",", ":"))',
        "secret": SECRET,
        "x-port-timestamp": TIMESTAMP,
    },
    "vectors": vectors,
}
path = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "python-json-dumps-vectors.json"
path.write_text(json.dumps(out, indent=2, ensure_ascii=True) + "\n")
print(f"wrote {len(vectors)} vectors to {path}")
