"""The three stacks of one environment (IngestStack, TransformStack, CatalogStack)."""
