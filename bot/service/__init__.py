"""The GitLab webhook service: web app, job queue, state DB and worker."""
