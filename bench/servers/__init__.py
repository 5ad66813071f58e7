"""The peers Anxin is measured against: the same push answered by a bare echo and by WeRoBot."""
