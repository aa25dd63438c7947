"""The `threadr` command: a door like `web/` and `bots/`. It parses arguments, enters the
composition root (`core.bootstrap.build_services`) and calls use cases; it may start the other
doors' processes (`serve`, `telegram`, `discord`), which never import it."""
