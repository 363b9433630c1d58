#!/usr/bin/env python3
"""Checks recorded responses of trawl server against Harbor's Pluggable Scanner API OpenAPI document.

Usage: conformance.py SPEC.yaml CASES.json

CASES.json is a list of {"path": "/scan/{scan_request_id}/report", "method": "get", "status": 200,
"content_type": "...", "headers": {...}, "body": "..."}. For each: the status must be documented for the operation;
when the documented response has content, the Content-Type must be one of its media types and the body must
validate against that media type's schema (OpenAPI 3.0 schema turned into JSON Schema: $ref inlined, `nullable`
honoured); a documented response without content must come without a body; documented headers must be present and
of their type. Prints one line per failure and a summary line; exits 1 on any failure.
"""
import json
import sys

import jsonschema
import yaml


def norm(media):
    return "; ".join(p.strip().lower() for p in media.split(";") if p.strip())


def to_json_schema(node, components):
    if isinstance(node, list):
        return [to_json_schema(n, components) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return to_json_schema(components[name], components)
    out = {}
    for k, v in node.items():
        if k in ("example", "examples", "descriptions", "description", "format", "nullable"):
            continue
        if k == "properties":
            out[k] = {pk: to_json_schema(pv, components) for pk, pv in v.items()}
        else:
            out[k] = to_json_schema(v, components)
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def main():
    spec = yaml.safe_load(open(sys.argv[1]))
    cases = json.load(open(sys.argv[2]))
    components = spec["components"]["schemas"]
    failures = []
    for i, c in enumerate(cases):
        where = f"case {i}: {c['method'].upper()} {c['path']} -> {c['status']}"
        op = spec["paths"].get(c["path"], {}).get(c["method"])
        if op is None:
            failures.append(f"{where}: operation not in the spec")
            continue
        responses = {str(k): v for k, v in op["responses"].items()}
        resp = responses.get(str(c["status"])) or responses.get("default")
        if resp is None:
            failures.append(f"{where}: status not documented ({sorted(responses)})")
            continue
        for name, h in (resp.get("headers") or {}).items():
            value = {k.lower(): v for k, v in c["headers"].items()}.get(name.lower())
            if value is None:
                failures.append(f"{where}: header {name} missing")
            elif h.get("schema", {}).get("type") == "integer" and not value.strip().isdigit():
                failures.append(f"{where}: header {name}={value!r} is not an integer")
        content = resp.get("content")
        if not content:
            if c["body"]:
                failures.append(f"{where}: a body where the spec documents none: {c['body'][:200]!r}")
            continue
        media = {norm(k): v for k, v in content.items()}
        got = norm(c["content_type"] or "")
        if got not in media:
            failures.append(f"{where}: Content-Type {c['content_type']!r} not among {sorted(content)}")
            continue
        schema = to_json_schema(media[got].get("schema", {}), components)
        if schema.get("type") == "string":
            if not isinstance(c["body"], str):
                failures.append(f"{where}: body is not text")
            continue
        try:
            body = json.loads(c["body"])
        except ValueError as e:
            failures.append(f"{where}: body is not JSON: {e}")
            continue
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(body), key=lambda e: list(e.path))
        for e in errors[:5]:
            failures.append(f"{where}: {'/'.join(map(str, e.path))}: {e.message[:300]}")
    for f in failures:
        print(f)
    print(f"responses checked: {len(cases)}; failures: {len(failures)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
