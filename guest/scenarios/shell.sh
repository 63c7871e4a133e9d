#!/bin/sh
# Interactive shell on the console. /dev/console cannot be a controlling tty,
# so cttyhack reopens the real one (ttyS0) to give the shell job control.
setsid cttyhack sh
