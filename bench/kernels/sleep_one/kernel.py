"""Sleeps one second between its first training_ing and its training_done (plain pika):
the unit of the scheduling-efficiency benchmark."""

import json
import os
import time

import pika

with open(os.environ.get("VLAD_TRAINING_CONFIG", "/vlad_training.json")) as f:
    settings = json.load(f)
with open(settings["training_config_file"]) as f:
    seconds = float(json.load(f).get("seconds", 1.0))
connection = pika.BlockingConnection(
    pika.ConnectionParameters(
        host=settings["message_host"],
        port=int(settings["message_port"]),
        credentials=pika.PlainCredentials(settings["message_id"], settings["message_pw"]),
    )
)
channel = connection.channel()


def send(**fields):
    body = {
        "cmd": "training_status",
        "project_key": settings["project_key"],
        "model_id": settings["model_id"],
    }
    channel.basic_publish(
        exchange="", routing_key=settings["queue_name"], body=json.dumps({**body, **fields})
    )


send(status="training_ing", percentage=0.0, step=0)
time.sleep(seconds)
send(status="training_done")
connection.close()
