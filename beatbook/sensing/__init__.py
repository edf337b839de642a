"""Smart-compound devices, gateways and event ingestion."""
