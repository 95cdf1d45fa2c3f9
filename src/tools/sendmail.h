/* sendmail.h - `tern sendmail` (also run as `sendmail`): the classic sendmail(1) interface
 * that cron, PHP and scripts use; the message on stdin goes to the running ternd over its
 * local submission socket. Local user input (arguments, the message). */
#ifndef TERN_TOOLS_SENDMAIL_H
#define TERN_TOOLS_SENDMAIL_H

/* argv[0] is "sendmail". Exit status: sysexits.h (EX_OK only when the message is queued). */
int tool_sendmail(int argc, char **argv);

#endif
