"""The verified registry actor (f06): verifiers, DataCap allocations to providers, and their claims."""
