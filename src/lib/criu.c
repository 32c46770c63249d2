/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations that ask criu about itself: version, path, check, features. */
#include <string.h>

#include "error.h"
#include "session.h"

/* Options to use when the caller passed none. */
static int
opts_or_default(const ckpt_opts *o, ckpt_opts **tmp, const ckpt_opts **ret)
{
	int r;

	*tmp = NULL;
	if (o) {
		*ret = o;
		return 0;
	}
	if ((r = ckpt_opts_new(tmp)) < 0)
		return r;
	*ret = *tmp;
	return 0;
}

CKPT_PUBLIC int
ckpt_criu_path(const ckpt_opts *o, char **ret_path, ckpt_error **err)
{
	assert_return(ret_path, -EINVAL);
	return swrk_resolve(o ? o->criu_path : NULL, ret_path, err);
}

CKPT_PUBLIC int
ckpt_criu_version(const ckpt_opts *o_in, int *ret_version, ckpt_error **err)
{
	ckpt_opts *tmp;
	const ckpt_opts *o;
	struct session ss;
	int r;

	assert_return(ret_version, -EINVAL);
	if ((r = opts_or_default(o_in, &tmp, &o)) < 0)
		return ckpt_err_set(err, -r, "out of memory");
	r = session_open(&ss, o, false, err);
	if (r >= 0)
		r = session_version(&ss, err);
	if (r >= 0)
		*ret_version = ss.version;
	if (r < 0) {
		session_finish(&ss, err);
		ckpt_err_prefix(err, r, "criu version");
	}
	session_close(&ss);
	ckpt_opts_free(tmp);
	return r;
}

CKPT_PUBLIC int
ckpt_criu_features(const ckpt_opts *o_in, unsigned int requested, unsigned int *ret_supported, ckpt_error **err)
{
	ckpt_opts *tmp;
	const ckpt_opts *o;
	struct session ss;
	unsigned int got = 0;
	int r;

	assert_return(ret_supported, -EINVAL);
	if ((r = opts_or_default(o_in, &tmp, &o)) < 0)
		return ckpt_err_set(err, -r, "out of memory");
	r = session_open(&ss, o, false, err);
	if (r >= 0)
		r = session_features(&ss, requested, false, &got, err);
	if (r >= 0)
		*ret_supported = got;
	session_finish(&ss, r < 0 ? err : NULL);
	if (r < 0)
		ckpt_err_prefix(err, r, "criu feature check");
	session_close(&ss);
	ckpt_opts_free(tmp);
	return r;
}

CKPT_PUBLIC int
ckpt_criu_check(const ckpt_opts *o_in, ckpt_error **err)
{
	CriuReq req = CRIU_REQ__INIT;
	CriuOpts copts = CRIU_OPTS__INIT;
	CriuResp *resp = NULL;
	ckpt_opts *tmp;
	const ckpt_opts *o;
	struct session ss;
	int r;

	if ((r = opts_or_default(o_in, &tmp, &o)) < 0)
		return ckpt_err_set(err, -r, "out of memory");
	req.type = CRIU_REQ_TYPE__CHECK;
	req.opts = &copts; /* criu 3.x crashes on a CHECK without opts */
	copts.has_log_level = true;
	copts.log_level = 2;
	r = session_open(&ss, o, false, err);
	if (r >= 0)
		r = session_request(&ss, &req, "check", &resp, err);
	if (resp)
		criu_resp__free_unpacked(resp, NULL);
	session_finish(&ss, r < 0 ? err : NULL);
	if (r < 0)
		ckpt_err_prefix(err, r, "criu check");
	session_close(&ss);
	ckpt_opts_free(tmp);
	return r;
}
