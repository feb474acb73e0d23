"""Start-up check: does the configured Redis keep conversations anywhere but its memory?

A Redis with its packaged defaults snapshots the whole database to disk every few
minutes (`save`), and may log every write to an append-only file or copy it to
replicas: that silently breaks "nothing on disk". bot/serve.py reads these
settings once at start-up and refuses to serve unless REDIS_ALLOW_PERSISTENCE=true.
"""

from __future__ import annotations

from typing import List

import redis

# What to tell the operator: the settings that keep Redis in memory only.
FIX = ('In redis.conf: save "" and appendonly no (or CONFIG SET save "" and CONFIG SET appendonly no, '
       "then CONFIG REWRITE), and no replicas; README, 'Redis in production'")


def persistence_problems(url: str) -> List[str]:
    """How the Redis at `url` persists or copies data, one sentence each ([] = memory only).

    An unreachable Redis is not a persistence problem: the stores then keep
    conversations in this server's expiring memory and log that themselves.
    Never says the URL (it can hold a password).
    """
    client = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
    problems: List[str] = []
    try:
        save = str(client.config_get("save").get("save", "")).strip()
        appendonly = str(client.config_get("appendonly").get("appendonly", "no")).strip().lower()
        replication = client.info("replication")
    except redis.ResponseError as error:
        # CONFIG renamed or forbidden (managed Redis, ACLs): we cannot tell, so we say so.
        return [f"its persistence settings cannot be read ({type(error).__name__}: CONFIG GET is not allowed); "
                'make sure it has save "" and appendonly no']
    except redis.RedisError:
        return []
    finally:
        client.close()
    if save:
        problems.append(f'it snapshots the database to disk (save "{save}"; set save "")')
    if appendonly == "yes":
        problems.append("it writes every change to an append-only file (appendonly yes; set appendonly no)")
    role = str(replication.get("role", ""))
    replicas = int(replication.get("connected_slaves", 0) or 0)
    if role == "master" and replicas:
        problems.append(f"{replicas} replica(s) get a copy of every conversation (remove the replicas)")
    elif role and role != "master":
        problems.append(f"it is a {role}, a copy of another Redis (point REDIS_URL at a stand-alone primary)")
    return problems
