/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "error.h"
#include "session.h"

CKPT_PUBLIC void
ckpt_result_free(ckpt_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n_events; i++)
		free(res->events[i].name);
	free(res->events);
	free(res->images_dir);
	free(res);
}

CKPT_PUBLIC pid_t
ckpt_result_pid(const ckpt_result *res)
{
	return res ? res->pid : 0;
}

CKPT_PUBLIC uint64_t
ckpt_result_wall_ns(const ckpt_result *res)
{
	return res ? res->wall_ns : 0;
}

CKPT_PUBLIC uint64_t
ckpt_result_image_bytes(const ckpt_result *res)
{
	return res ? res->image_bytes : 0;
}

CKPT_PUBLIC const char *
ckpt_result_images_dir(const ckpt_result *res)
{
	return res ? res->images_dir : NULL;
}

CKPT_PUBLIC size_t
ckpt_result_event_count(const ckpt_result *res)
{
	return res ? res->n_events : 0;
}

CKPT_PUBLIC int
ckpt_result_event(const ckpt_result *res, size_t i, const char **ret_name, uint64_t *ret_ns)
{
	assert_return(res, -EINVAL);
	if (i >= res->n_events)
		return -ERANGE;
	if (ret_name)
		*ret_name = res->events[i].name;
	if (ret_ns)
		*ret_ns = res->events[i].ns;
	return 0;
}

CKPT_PUBLIC int
ckpt_result_criu_version(const ckpt_result *res)
{
	return res ? res->criu_version : 0;
}
