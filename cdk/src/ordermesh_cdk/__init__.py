"""CDK building blocks shared by the platform's and the services' stacks (deploy time only:
never imported by a Lambda handler)."""
