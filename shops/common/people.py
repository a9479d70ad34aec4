"""Who did something: what a service records as the person behind an action."""


def person(user):
    """The signed-in user behind an action; None for a job (no user) or an anonymous request."""
    return user if user is not None and user.is_authenticated else None
