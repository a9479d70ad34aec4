"""General tools of the console that know nothing of shops, apps or eTelecom's entities: safe links, CSV exports,
changelists over big tables, mirror declarations, who did something. They import nothing of the hub or of the
apps (an import-linter contract), so any layer may use them."""
