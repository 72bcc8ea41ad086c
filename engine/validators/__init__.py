"""Generated JSON Schema validators (scripts/compile_schemas.py); see engine/fastschema.py."""
