-- Run by sqlite3.wasm inside a container, from a bind mount (examples/README.md).
CREATE TABLE runtimes(name TEXT, language TEXT, year INTEGER);
INSERT INTO runtimes VALUES ('wasmshim', 'C++', 2026), ('runc', 'Go', 2015), ('crun', 'C', 2017);
.mode column
.headers on
SELECT name, language, year FROM runtimes ORDER BY year;
SELECT count(*) AS runtimes, sqlite_version() AS sqlite FROM runtimes;
