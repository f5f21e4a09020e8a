"""Helpers for the http role's end-to-end tests: a small JSON client (urllib, no extra package)
and validation of responses against schemas/openapi.yaml (jsonschema on the document's
component schemas, resolved in place)."""
import json
import re
import time
import urllib.error
import urllib.request

import jsonschema
import referencing
import yaml
from openapi_spec_validator import validate as validate_spec

from conftest import ROOT

OPENAPI_PATH = ROOT / "schemas" / "openapi.yaml"


class Reply:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


class Client:
    """Requests against a base URL; never raises on 4xx/5xx (returns the reply)."""

    def __init__(self, base: str, token: str | None = None):
        self.base = base.rstrip("/")
        self.token = token

    def request(self, method: str, path: str, body: bytes | str | dict | None = None, headers: dict | None = None,
                token: str | None = None) -> Reply:
        data = json.dumps(body).encode() if isinstance(body, dict) else (body.encode() if isinstance(body, str) else body)
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        if token or self.token:
            request.add_header("Authorization", f"Bearer {token or self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.headers, error.read())

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body=None, **kwargs) -> Reply:
        return self.request("POST", path, body=body if body is not None else b"", **kwargs)

    def wait_for(self, path: str, predicate, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            reply = self.get(path)
            if reply.status == 200:
                last = reply.json
                if predicate(last):
                    return last
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; last {path}: {json.dumps(last)[:2000]}")


class OpenAPI:
    """The OpenAPI document, and a check of a reply against the operation's declared response."""

    def __init__(self):
        self.doc = yaml.safe_load(OPENAPI_PATH.read_text())
        validate_spec(self.doc)   # a valid OpenAPI 3.1 document
        resource = referencing.Resource.from_contents(self.doc, default_specification=referencing.jsonschema.DRAFT202012)
        self.registry = referencing.Registry().with_resource("urn:almanac:openapi", resource)
        self.checked: set[tuple[str, str, int]] = set()

    def operation(self, method: str, path: str) -> tuple[str, dict]:
        bare = path.split("?")[0]
        for template, item in self.doc["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
            if re.match(pattern, bare) and method.lower() in item:
                return template, item[method.lower()]
        raise AssertionError(f"{method} {bare} is not in schemas/openapi.yaml")

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            target = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def check(self, method: str, path: str, reply: Reply) -> None:
        template, operation = self.operation(method, path)
        responses = operation["responses"]
        declared = responses.get(str(reply.status))
        assert declared is not None, f"{method} {path} answered {reply.status}, not declared for {template}: {reply.body[:500]!r}"
        declared = self.resolve(declared)
        content = declared.get("content", {})
        media = reply.headers.get("Content-Type", "").split(";")[0].strip()
        assert media in content, f"{method} {path}: Content-Type {media!r} not declared ({list(content)})"
        schema = content[media]["schema"]
        if media == "application/json":
            instance = json.loads(reply.body)
            wrapped = {"$ref": f"urn:almanac:openapi#/{self._pointer(schema)}"} if "$ref" in schema else schema
            validator = jsonschema.Draft202012Validator(wrapped, registry=self.registry,
                                                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
            errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
            assert not errors, f"{method} {path} {reply.status}: " + "; ".join(
                f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5])
        self.checked.add((method.upper(), template, reply.status))

    @staticmethod
    def _pointer(schema: dict) -> str:
        return schema["$ref"].lstrip("#/")

    def all_operations(self) -> set[tuple[str, str]]:
        return {(method.upper(), template) for template, item in self.doc["paths"].items() for method in item
                if method in ("get", "post", "put", "delete", "patch")}


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$')


def prometheus_samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Parses Prometheus text format 0.0.4: {(name, frozenset of (label, value))): value}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(3) or ""))
        samples[(match.group(1), labels)] = float(match.group(4))
    return samples


def sample(samples: dict, name: str, **labels) -> float | None:
    """The value of the series `name` with exactly these labels, or None."""
    return samples.get((name, frozenset(labels.items())))
