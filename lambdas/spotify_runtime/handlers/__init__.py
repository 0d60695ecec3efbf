"""Lambda entry points: thin edges over plain functions the local CLI calls too."""
