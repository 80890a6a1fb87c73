"""Flask server wiring the NIF layer (`nif/`) to the model (`model/`)."""
