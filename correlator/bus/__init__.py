"""The bus: a Protocol with an in-memory twin and a Kafka implementation."""
