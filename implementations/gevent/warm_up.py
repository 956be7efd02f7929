"""Create gevent's hub before the first spec: its epoll and eventfd descriptors live as long
as the worker process, so they must not count as left behind by whichever spec runs first."""


def warm_up():
    import gevent

    gevent.get_hub()
