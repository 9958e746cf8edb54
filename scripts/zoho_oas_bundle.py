#!/usr/bin/env python3
"""Bundle Zoho's split v8 OpenAPI files into one document for the oracle run.

Zoho's directory files (../shared/zoho-oas/v8.0) refer to each other
(`./common.json#/...`, and by URL to the same files on GitHub). This merges
every file's paths into one document, renames each file's components to
`<file>__<name>` so they cannot collide, and points every reference at the
renamed component. A reference to a file Zoho did not publish with the set
(`./modules.json`) becomes an unconstrained schema. An operation two files
define must be skipped in one of them (a `[[skip]]` with `file`).

Then it applies conformance/zoho-oas/exclusions.toml: each entry either
corrects Zoho's schema where a seed or Zoho's documentation contradicts it
(`[[fix]]`), or leaves an operation out of the run (`[[skip]]`), naming the
source or decision that justifies it.

    zoho_oas_bundle.py OAS_DIR EXCLUSIONS OUT
"""
import copy
import json
import pathlib
import re
import sys
import tomllib

REMOTE = re.compile(r"^https://raw\.githubusercontent\.com/.*/v8\.0/([a-z_]+)\.json$")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def file_stem(ref_file, current):
    """The stem of the file a reference points into ('' is the current file)."""
    if ref_file == "":
        return current
    remote = REMOTE.match(ref_file)
    if remote:
        return remote.group(1)
    return pathlib.PurePosixPath(ref_file).stem


def rewrite(node, current, available, missing):
    """Rewrite every $ref under node to the bundled component names."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            target_file, _, pointer = ref.partition("#")
            stem = file_stem(target_file, current)
            if stem not in available:
                missing.add(ref)
                return {}
            parts = pointer.strip("/").split("/")
            if len(parts) != 3 or parts[0] != "components":
                raise SystemExit(f"unexpected reference {ref} in {current}")
            return {"$ref": f"#/components/{parts[1]}/{stem}__{parts[2]}"}
        return {k: rewrite(v, current, available, missing) for k, v in node.items()}
    if isinstance(node, list):
        return [rewrite(v, current, available, missing) for v in node]
    return node


def pointer_parts(pointer):
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.strip("/").split("/")]


def bundle(oas_dir, exclusions):
    files = {p.stem: json.loads(p.read_text()) for p in sorted(oas_dir.glob("*.json"))}
    missing = set()
    dropped = {}
    for skip in exclusions.get("skip", []):
        if "file" in skip:
            dropped.setdefault(pathlib.PurePosixPath(skip["file"]).stem, set()).add(skip["operation"])
    out = {
        "openapi": "3.0.0",
        "info": {"title": "Zoho CRM v8 directory API (bundled from Zoho's files)", "version": "8.0"},
        "paths": {},
        "components": {},
    }
    for stem, doc in files.items():
        for section, entries in doc.get("components", {}).items():
            target = out["components"].setdefault(section, {})
            for name, value in entries.items():
                target[f"{stem}__{name}"] = rewrite(value, stem, files, missing)
        for path, item in doc.get("paths", {}).items():
            merged = out["paths"].setdefault(path, {})
            for key, value in rewrite(item, stem, files, missing).items():
                if key in METHODS and f"{key.upper()} {path}" in dropped.get(stem, ()):
                    continue
                if key in merged and key in METHODS:
                    raise SystemExit(f"{key.upper()} {path} is defined twice: skip one with `file`")
                merged[key] = value

    for skip in (s for s in exclusions.get("skip", []) if "file" not in s):
        method, path = skip["operation"].split(" ", 1)
        item = out["paths"].get(path, {})
        if item.pop(method.lower(), None) is None:
            raise SystemExit(f"skip names an operation Zoho's files do not have: {skip['operation']}")
        if not METHODS & item.keys():
            out["paths"].pop(path)
    for fix in exclusions.get("fix", []):
        for pointer in fix["pointers"]:
            parent, key = locate(out, pointer)
            if "value" in fix:
                parent[key] = copy.deepcopy(fix["value"])
            elif "merge" in fix:
                for name, value in fix["merge"].items():
                    if name in parent[key]:
                        raise SystemExit(f"merge would replace {name} at {pointer}")
                    parent[key][name] = copy.deepcopy(value)
            elif fix.get("nullable"):
                parent[key] = {"anyOf": [parent[key], {"type": "null"}]}
            elif "not_required" in fix:
                required = parent[key].get("required", [])
                for name in fix["not_required"]:
                    if name not in required:
                        raise SystemExit(f"{name} is not required at {pointer}")
                    required.remove(name)
            else:
                raise SystemExit(f"a fix needs value, merge, nullable or not_required: {fix}")
    for extra in exclusions.get("error_envelope", []):
        envelope = {"type": "object", "required": ["code", "message", "status", "details"],
                    "properties": {"code": {"type": "string", "pattern": extra["code_pattern"]},
                                   "message": {"type": "string", "minLength": 1},
                                   "status": {"enum": ["error"]},
                                   "details": {"type": "object"}}}
        wrapped = {"type": "object", "minProperties": 1, "maxProperties": 1,
                   "additionalProperties": {"type": "array", "items": envelope}}
        for item in out["paths"].values():
            for method, op in item.items():
                if method not in METHODS:
                    continue
                for status, response in op.get("responses", {}).items():
                    if not status.startswith("4"):
                        continue
                    if "$ref" in response:
                        _, name = locate(out, response["$ref"][1:])
                        response = copy.deepcopy(out["components"]["responses"][name])
                        op["responses"][status] = response
                    content = response.setdefault("content", {}).setdefault("application/json", {})
                    declared = content.get("schema")
                    content["schema"] = {"anyOf": [declared, envelope, wrapped]} if declared else {"anyOf": [envelope, wrapped]}
    return out, missing


def locate(doc, pointer):
    """The container holding the node at pointer, and its key there."""
    parts = pointer_parts(pointer)
    node = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.get(part)
        if node is None:
            raise SystemExit(f"an exclusion points at nothing: {pointer}")
    last = int(parts[-1]) if isinstance(node, list) else parts[-1]
    if isinstance(node, dict) and last not in node:
        raise SystemExit(f"an exclusion points at nothing: {pointer}")
    return node, last


def main():
    oas_dir, exclusions_path, out_path = map(pathlib.Path, sys.argv[1:4])
    exclusions = tomllib.loads(exclusions_path.read_text())
    for entry in exclusions.get("fix", []) + exclusions.get("skip", []) + exclusions.get("error_envelope", []):
        if not entry.get("why") or not entry.get("source"):
            raise SystemExit(f"an exclusion must say why and name its source: {entry}")
    doc, missing = bundle(oas_dir, exclusions)
    out_path.write_text(json.dumps(doc, indent=1))
    ops = sum(len(METHODS & item.keys()) for item in doc["paths"].values())
    print(f"zoho-oas: {ops} operations bundled; unpublished references left open: {sorted(missing)}")


if __name__ == "__main__":
    main()
