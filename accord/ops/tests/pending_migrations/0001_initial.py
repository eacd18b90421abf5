import importlib

Migration = importlib.import_module("accord.ops.migrations.0001_initial").Migration
