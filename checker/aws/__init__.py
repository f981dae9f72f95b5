"""AWS plumbing shared by the live source and deep mode: connection options, sessions,
assumed roles, regions, client configuration, error wording and log redaction.

Only this package, checker/enrich/ and checker/sources/bedrock.py use boto3, always imported
inside functions so that importing them stays light.
"""
