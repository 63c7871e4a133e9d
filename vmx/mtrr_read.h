#ifndef VMX_MTRR_READ_H
#define VMX_MTRR_READ_H

#include "vmx/mtrr.h"

void mtrr_read(struct mtrr_state *state);

#endif
