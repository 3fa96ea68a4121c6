"""The platform's CDK constructs and stack."""
