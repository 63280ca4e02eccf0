"""The Celery workers' settings: ``celery -A dagster_celery.app worker`` imports this
module (dagster-celery's app looks for it by this name) from the folder it starts in.

Every host runs a worker; each takes a run from the broker's queue when one of its
processes is free, and runs it there (Dagster's run worker, then a process per step)."""

import os

#: the queue, and where each run's task state is kept (the daemon's CeleryRunLauncher
#: asks it how a run is): the same broker as dagster.yaml's run_launcher
broker_url = os.environ["INTACCT_CELERY_BROKER"]
result_backend = broker_url
#: a worker takes a run only when one of its processes is free (a run waits in the
#: queue, not behind a busy host's runs); a run's task is acknowledged when it ends: a
#: host lost with its run leaves the task to the broker, whose redelivery Dagster ignores
#: (a run not waiting to start is never started again)
task_acks_late = True
worker_prefetch_multiplier = 1
#: the worker that took each run, in its task's state (which host ran it)
result_extended = True
#: a run's output left on the process's own stdout and stderr, where Dagster captures each
#: step's (the step logs the webserver shows), not turned into the worker's log records
worker_redirect_stdouts = False
