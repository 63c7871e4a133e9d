#ifndef VMX_CAPS_READ_H
#define VMX_CAPS_READ_H

#include "vmx/caps.h"

void vmx_caps_read(struct vmx_raw *raw);

#endif
