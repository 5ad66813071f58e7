"""Tencent Cloud's services through its official SDK: speech recognition (asr) and SMS (sms), each with a loopback stand-in."""
