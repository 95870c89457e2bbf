#!/usr/bin/env python3
"""Writes the fuzz tests' seed corpora from the golden cases and the test certificates.

Run from the repository root after adding golden cases: python3 scripts/fuzz-seeds.py
(needs PyYAML). The seeds are committed; Jazzer replays them in every `mvn test` and starts
from them when fuzzing (README, Tests: fuzzing).
"""
import base64
import hashlib
import json
import pathlib
import re
import shutil

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "src/test/resources/cases"
RES = ROOT / "src/test/resources/io/gatewarden"
SEEDS = {
    "validate": RES / "admission/AdmissionFuzzTestInputs/validate",
    "mutate": RES / "admission/MutateFuzzTestInputs/mutate",
    "manifests": RES / "cli/ManifestFuzzTestInputs/analyze",
    "pem": RES / "facts/PemFuzzTestInputs/assess",
}
REVIEWED = {"networking.istio.io", "gateway.networking.k8s.io"}


def write(kind, data):
    d = SEEDS[kind]
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def review(obj, uid):
    group, _, version = obj["apiVersion"].rpartition("/")
    meta = obj.get("metadata") or {}
    return json.dumps({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": uid, "kind": {"group": group, "version": version, "kind": obj["kind"]},
                    "operation": "CREATE", "namespace": meta.get("namespace", "default"), "object": obj},
    }, separators=(",", ":")).encode()


def main():
    for d in SEEDS.values():
        shutil.rmtree(d, ignore_errors=True)
    seen_kinds = {}
    for case in sorted(CASES.iterdir()):
        for f in sorted(case.glob("*.yaml")):
            # {{b64:FILE}}: the base64 of certs-test/FILE, as the golden corpus reads it
            text = re.sub(rb"\{\{b64:([A-Za-z0-9._-]+)}}",
                          lambda m: base64.b64encode((ROOT / "certs-test" / m.group(1).decode()).read_bytes()),
                          f.read_bytes())
            write("manifests", text)
            for obj in yaml.safe_load_all(text):
                if not isinstance(obj, dict) or "/" not in str(obj.get("apiVersion", "")):
                    continue
                if obj["apiVersion"].split("/")[0] not in REVIEWED:
                    continue
                # at most 40 objects of a kind: enough shapes, a corpus that replays in seconds
                n = seen_kinds.get(obj["kind"], 0)
                if n >= 40:
                    continue
                seen_kinds[obj["kind"]] = n + 1
                body = review(obj, f"{case.name}-{n}")
                write("validate", body)
                write("mutate", body)
    certs = ROOT / "certs-test"
    for crt in sorted(certs.glob("*.crt")):
        key = crt.with_suffix(".key")
        write("pem", crt.read_bytes() + (key.read_bytes() if key.exists() else b""))
    for kind, d in SEEDS.items():
        print(kind, len(list(d.iterdir())), "seeds in", d.relative_to(ROOT))


if __name__ == "__main__":
    main()
