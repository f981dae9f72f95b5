"""bedrock-checker: policy-as-code linter for Amazon Bedrock model customization jobs."""

__version__ = "0.1.0"
