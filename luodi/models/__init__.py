"""Base-model backends: the embedded llama.cpp model and any OpenAI-compatible endpoint."""
