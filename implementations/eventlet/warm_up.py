"""Create eventlet's hub before the first spec (its epoll descriptor lives as long as the
worker), and keep greendns's own DNS queries on loopback: eventlet resolves names in Python,
sending UDP queries the loopback guard would refuse; a resolver on 127.0.0.1 with nothing
listening on port 53 fails at once, as an unresolvable name should."""


def warm_up():
    import dns.resolver
    from eventlet import hubs
    from eventlet.support import greendns

    hubs.get_hub()
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.lifetime = 0.25  # each query that cannot be answered costs at most this
    greendns.resolver._resolver = resolver
