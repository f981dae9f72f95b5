"""Where job documents come from: files (JSON, YAML, Terraform) and, later, AWS."""
