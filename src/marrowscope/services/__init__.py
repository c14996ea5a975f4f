"""Use cases of marrowscope, one package per capability (map: docs/architecture.md).

``cases`` (patients, cases, the case record), ``pathway`` (CBC to follow-up), ``lab``,
``counting``, ``ai_review``, ``reporting``, ``alerts``, ``interop``, ``accounts`` and
``walkthrough`` (demo case, scripted walk); shared by all: ``unit_of_work``, ``audit`` and
``account_stores``.
"""
