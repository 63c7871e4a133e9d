/* vmcheck: report what the guest sees of the hypervisor via CPUID, and
 * the TSC at this point of the boot (in Bochs: instructions since power-on,
 * which `make bench` compares native vs pmuvisor). */
#include <cpuid.h>
#include <stdio.h>
#include <x86intrin.h>

int main(void)
{
	unsigned int eax, ebx, ecx, edx;

	printf("tsc=%llu\n", (unsigned long long)__rdtsc());

	__cpuid(1, eax, ebx, ecx, edx);
	if (!(ecx & (1u << 31))) {
		puts("hypervisor=no");
		return 0;
	}
	puts("hypervisor=yes");

	/* Leaf 0x40000000: EAX = max hypervisor leaf, EBX:ECX:EDX = vendor signature. */
	__cpuid(0x40000000, eax, ebx, ecx, edx);
	unsigned int regs[3] = { ebx, ecx, edx };
	char sig[13];
	int n = 0;
	for (int i = 0; i < 12; i++) {
		char c = (char)(regs[i / 4] >> (8 * (i % 4)));
		if (c != '\0')	/* e.g. KVM pads "KVMKVMKVM" with NULs */
			sig[n++] = c;
	}
	sig[n] = '\0';
	printf("hypervisor_signature=%s\n", sig);
	printf("hypervisor_max_leaf=0x%x\n", eax);
	return 0;
}
