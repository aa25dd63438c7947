"""Request handlers: parse input, call one core use case, format the answer."""
