/**
 * sixstep API client — every page talks to the server through this module.
 *
 * - Logs in with wx.login → POST /api/v1/auth/wxlogin {code} → {token, user},
 *   keeps both with wx.setStorageSync.
 * - Sends `Authorization: Bearer <token>` on every request and upload.
 * - On a 401 it logs in again once and retries the request once (never loops).
 * - Rejects with an Error whose `message` is the server's Chinese
 *   `error.message` and whose `code` is `error.code`; a network failure is
 *   code `offline`, a timeout code `timeout`.
 */
const config = require('../config.js')
const fmt = require('./format.js')

const PREFIX = '/api/v1'
const TOKEN_KEY = 'sixstep_token'
const USER_KEY = 'sixstep_user'

const MESSAGES = {
  offline: '网络连接失败，请检查网络后重试',
  timeout: '请求超时，请稍后重试',
  server: '服务暂时不可用，请稍后重试',
  login: '微信登录失败，请稍后重试',
  badResponse: '服务器返回了无法识别的内容，请稍后重试',
  unknown: '操作失败，请稍后重试',
}

function apiError(message, code, extra) {
  const err = new Error(message)
  err.code = code
  if (extra) Object.keys(extra).forEach(k => { err[k] = extra[k] })
  return err
}

/** Full URL for an API path ("/items/mine" → base + "/api/v1/items/mine"). */
function apiUrl(path) {
  if (/^https?:\/\//.test(path)) return path
  const p = path.indexOf(PREFIX + '/') === 0 ? path : PREFIX + path
  return config.apiBase + p
}

/** Photo and file URLs may come back relative to the server: make them absolute. */
function absUrl(url) {
  if (!url) return ''
  if (/^(https?:|wxfile:|data:)/.test(url)) return url
  return config.apiBase + (url[0] === '/' ? url : '/' + url)
}

/** "?a=1&b=x" from an object, leaving out empty values; "" when nothing is left. */
function query(params) {
  if (!params) return ''
  const parts = Object.keys(params)
    .filter(k => params[k] !== undefined && params[k] !== null && params[k] !== '')
    .map(k => encodeURIComponent(k) + '=' + encodeURIComponent(params[k]))
  return parts.length ? '?' + parts.join('&') : ''
}

function parseBody(data) {
  if (typeof data !== 'string') return data
  try {
    return JSON.parse(data)
  } catch (e) {
    return data
  }
}

function networkError(res) {
  const msg = (res && res.errMsg) || ''
  if (/timeout|time out|超时/i.test(msg) || (res && res.errno === 5)) {
    return apiError(MESSAGES.timeout, 'timeout', {errMsg: msg})
  }
  return apiError(MESSAGES.offline, 'offline', {errMsg: msg})
}

function errorFromResponse(res) {
  const status = res.statusCode
  const body = parseBody(res.data)
  const e = body && typeof body === 'object' ? body.error : null
  if (e && e.message) {
    return apiError(e.message, e.code || 'http_' + status, {status, field: e.field})
  }
  if (status >= 500) return apiError(MESSAGES.server, 'server_error', {status})
  return apiError('请求失败（' + status + '），请稍后重试', 'http_' + status, {status})
}

function isOk(res) {
  return res.statusCode >= 200 && res.statusCode < 300
}

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || ''
}

function clearSession() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(USER_KEY)
}

/**
 * One HTTP exchange, no auth logic. Resolves with the raw wx response for any
 * HTTP status; rejects only when no response arrived (offline / timeout).
 */
function transport(opts, token) {
  const header = {}
  if (token) header.Authorization = 'Bearer ' + token
  return new Promise((resolve, reject) => {
    if (opts.filePath) {
      wx.uploadFile({
        url: apiUrl(opts.path),
        filePath: opts.filePath,
        name: 'file',
        header,
        timeout: config.timeout,
        success: resolve,
        fail: res => reject(networkError(res)),
      })
    } else {
      header['Content-Type'] = 'application/json'
      const req = {
        url: apiUrl(opts.path),
        method: opts.method || 'GET',
        header,
        timeout: config.timeout,
        success: resolve,
        fail: res => reject(networkError(res)),
      }
      if (opts.data !== undefined) req.data = opts.data
      wx.request(req)
    }
  })
}

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: res => (res && res.code ? resolve(res.code) : reject(apiError(MESSAGES.login, 'wx_login_failed'))),
      fail: res => reject(apiError(MESSAGES.login, 'wx_login_failed', {errMsg: res && res.errMsg})),
    })
  })
}

async function doLogin() {
  const code = await wxLoginCode()
  const res = await transport({method: 'POST', path: '/auth/wxlogin', data: {code}})
  if (!isOk(res)) throw errorFromResponse(res)
  const body = parseBody(res.data)
  if (!body || !body.token) throw apiError(MESSAGES.badResponse, 'bad_response')
  wx.setStorageSync(TOKEN_KEY, body.token)
  wx.setStorageSync(USER_KEY, body.user || null)
  return body
}

let pendingLogin = null

/** Log in (again). Concurrent callers share one wx.login round trip. */
function login() {
  if (!pendingLogin) {
    pendingLogin = doLogin().then(
      body => { pendingLogin = null; return body },
      err => { pendingLogin = null; throw err }
    )
  }
  return pendingLogin
}

async function ensureToken() {
  const token = getToken()
  if (token) return token
  const body = await login()
  return body.token
}

/** Authenticated exchange with one re-login and one retry on 401. */
async function call(opts) {
  let token = await ensureToken()
  let res = await transport(opts, token)
  if (res.statusCode === 401) {
    clearSession()
    token = (await login()).token
    res = await transport(opts, token)
    if (res.statusCode === 401) clearSession()
  }
  if (!isOk(res)) throw errorFromResponse(res)
  const body = parseBody(res.data)
  if (opts.filePath && (!body || typeof body !== 'object')) {
    throw apiError(MESSAGES.badResponse, 'bad_response')
  }
  return body
}

function get(path, params) {
  return call({method: 'GET', path: path + query(params)})
}

function post(path, data) {
  return call({method: 'POST', path, data: data === undefined ? {} : data})
}

function del(path) {
  return call({method: 'DELETE', path})
}

function patch(path, data) {
  return call({method: 'PATCH', path, data: data === undefined ? {} : data})
}

/** Upload one local image (wx temp path) to /api/v1/uploads → {id, url}. */
function upload(filePath) {
  return call({path: '/uploads', filePath})
}

/** GET /api/v1/me → user; refreshes the stored copy. */
async function me() {
  const body = await get('/me')
  const user = (body && body.user) || null
  wx.setStorageSync(USER_KEY, user)
  return user
}

/**
 * Download a server file (e.g. a voice message) with the token, which an
 * <image> or an audio `src` cannot send → the local temp path.
 */
async function download(url) {
  const token = await ensureToken()
  const res = await new Promise((resolve, reject) => {
    wx.downloadFile({
      url: absUrl(url),
      header: token ? {Authorization: 'Bearer ' + token} : {},
      timeout: config.timeout,
      success: resolve,
      fail: r => reject(networkError(r)),
    })
  })
  if (!isOk(res)) throw errorFromResponse({statusCode: res.statusCode, data: null})
  return res.tempFilePath
}

/** The user kept from the last login or GET /me (null when none). */
function storedUser() {
  return wx.getStorageSync(USER_KEY) || null
}

/** PATCH /api/v1/me {community?, name?, phone?} → user; refreshes the stored copy. */
async function updateMe(fields) {
  const body = await patch('/me', fields)
  const user = (body && body.user) || null
  wx.setStorageSync(USER_KEY, user)
  return user
}

// The office's communities, asked once per session (the list changes rarely;
// forgetCommunities() drops it, e.g. after the server refused a name).
let communityList = null

/** GET /api/v1/communities → the active communities' names, cached for the session. */
function communities() {
  if (!communityList) {
    communityList = get('/communities').then(
      list => (Array.isArray(list) ? list : []).filter(c => c && c.name && c.active !== false).map(c => c.name),
      err => { communityList = null; throw err }
    )
  }
  return communityList
}

function forgetCommunities() {
  communityList = null
}

/**
 * A mini-program code's scene → item number: read locally (`i=<number>`) when
 * we can, else asked of the server (`GET /scenes/<scene>`); '' if unknown.
 */
async function itemNumberFromScene(scene) {
  const local = fmt.numberFromScene(scene)
  if (local) return local
  let decoded = scene
  try {
    decoded = decodeURIComponent(scene)
  } catch (e) {
    // use it as it came
  }
  const res = await get('/scenes/' + encodeURIComponent(decoded))
  return res && res.type === 'item' ? res.number : ''
}

/**
 * Show an error to the resident: a toast for short messages, a modal for long
 * ones (toasts cut text off) or when `opts.modal` is set. Returns the message.
 */
function showError(err, opts) {
  const o = opts || {}
  const message = (err && err.message) || (typeof err === 'string' ? err : MESSAGES.unknown)
  if (o.modal || message.length > 14) {
    wx.showModal({title: o.title || '提示', content: message, showCancel: false, confirmText: '知道了'})
  } else {
    wx.showToast({title: message, icon: 'none', duration: 2500})
  }
  return message
}

module.exports = {
  MESSAGES,
  itemNumberFromScene,
  TOKEN_KEY,
  USER_KEY,
  apiUrl,
  absUrl,
  query,
  login,
  getToken,
  clearSession,
  get,
  post,
  del,
  patch,
  upload,
  download,
  me,
  storedUser,
  updateMe,
  communities,
  forgetCommunities,
  showError,
}
