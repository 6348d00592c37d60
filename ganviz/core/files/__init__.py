"""Files: what ganviz reads and writes.

Safe file output (io), saved `.gvz` sessions (session), CSV exports (export) and the preset TOML files (presets)."""
