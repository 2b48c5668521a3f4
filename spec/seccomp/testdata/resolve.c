/*
 * resolve reads system call names on stdin, one a line, and prints for
 * each "NAME X86_64 AARCH64 (VERSION)" with the numbers libseccomp resolves
 * the name to on each architecture: -1 (__NR_SCMP_ERROR) for a name
 * libseccomp does not know, another negative number for a name it knows
 * that the architecture lacks. Built and run by names_test.go.
 */
#include <seccomp.h>
#include <stdio.h>

int main(void)
{
	const struct scmp_version *v = seccomp_version();
	char name[128];

	while (scanf("%127s", name) == 1)
		printf("%s %d %d %u.%u.%u\n", name,
		       seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name),
		       seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, name),
		       v->major, v->minor, v->micro);
	return 0;
}
