"""Thread generators: the offline extractive summarizer (default) and the LLM generator."""
