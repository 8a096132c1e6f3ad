/**
 * 小程序配置 — the one place to change when pointing the mini-program at a server.
 *
 * apiBase: the sixstep server's origin, without a trailing slash and without
 * "/api/v1". The default suits a local development server
 * (`flask --app app run`) opened from WeChat DevTools with
 * 详情 → 本地设置 → 不校验合法域名 ticked. For a real release it must be an
 * HTTPS domain listed in the mini-program admin console under
 * 开发管理 → 开发设置 → 服务器域名 (request and uploadFile).
 */
module.exports = {
  apiBase: 'http://127.0.0.1:5000',
  // wx.request / wx.uploadFile timeout in milliseconds
  timeout: 15000,
}
