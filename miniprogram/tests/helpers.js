/**
 * Test helpers: a fake `wx` with an in-memory storage and a fake sixstep
 * server behind wx.request / wx.uploadFile that records every request.
 */
const path = require('path')
const simulate = require('miniprogram-simulate')

const BASE = require('../config.js').apiBase
const RESIDENT = {kind: 'resident', id: 7, nickname: '居民', is_supervisor: false}

/** Let every pending promise chain, fake network callback and render settle. */
async function flush(rounds = 6) {
  for (let i = 0; i < rounds; i++) await simulate.sleep(0)
}

/**
 * Install a fresh fake wx. `routes` maps "METHOD /api/v1/path[?query]" to a
 * response: a plain value (200 JSON body), `{status, body}`, or a function
 * `(req) => response`. An unknown route answers 404 and is recorded in
 * `server.unmatched` so tests notice it.
 */
function setup(routes = {}, opts = {}) {
  const storage = {}
  if (opts.token !== null) storage.sixstep_token = opts.token || 'tok-existing'
  const server = {
    routes: Object.assign({
      'POST /api/v1/auth/wxlogin': req => ({token: 'tok-' + req.data.code, expires_at: '2030-01-01T00:00:00+08:00', user: opts.user || RESIDENT}),
    }, routes),
    requests: [], // every request, including uploads and logins
    unmatched: [],
    logins: 0,
  }

  function respond(req) {
    // A client that retries forever would spin on microtasks and hang jest:
    // cut it off so the test fails instead.
    if (server.requests.length > 50) return {__network: true, errMsg: 'request:fail more than 50 requests in one test'}
    const key = req.method + ' ' + req.path
    let handler = server.routes[key]
    if (handler === undefined) {
      server.unmatched.push(key)
      return {status: 404, body: {error: {code: 'not_found', message: '未找到'}}}
    }
    if (typeof handler === 'function') handler = handler(req)
    if (handler && handler.__network) return handler
    if (handler && typeof handler === 'object' && 'status' in handler && 'body' in handler) return handler
    return {status: 200, body: handler}
  }

  function record(kind, o) {
    const url = o.url
    const req = {
      kind,
      method: kind === 'upload' ? 'POST' : o.method || 'GET',
      url,
      path: url.indexOf(BASE) === 0 ? url.slice(BASE.length) : url,
      data: o.data,
      header: o.header || {},
      filePath: o.filePath,
      name: o.name,
    }
    server.requests.push(req)
    return req
  }

  const fake = {
    getStorageSync: key => (key in storage ? storage[key] : ''),
    setStorageSync: (key, value) => { storage[key] = value },
    removeStorageSync: key => { delete storage[key] },
    login: jest.fn(o => {
      server.logins += 1
      Promise.resolve().then(() => o.success({code: 'c' + server.logins, errMsg: 'login:ok'}))
    }),
    request: jest.fn(o => {
      const req = record('request', o)
      const res = respond(req)
      Promise.resolve().then(() => {
        if (res.__network) o.fail({errMsg: res.errMsg})
        else o.success({statusCode: res.status, data: res.body, header: {}})
      })
    }),
    uploadFile: jest.fn(o => {
      const req = record('upload', o)
      const res = respond(req)
      Promise.resolve().then(() => {
        if (res.__network) o.fail({errMsg: res.errMsg})
        // wx.uploadFile hands back the body as a string
        else o.success({statusCode: res.status, data: JSON.stringify(res.body)})
      })
    }),
    showToast: jest.fn(),
    showModal: jest.fn(o => { if (o && o.success) o.success({confirm: opts.modalConfirm !== false, cancel: opts.modalConfirm === false}) }),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    navigateTo: jest.fn(),
    switchTab: jest.fn(),
    previewImage: jest.fn(),
    stopPullDownRefresh: jest.fn(),
    chooseMedia: jest.fn(o => o.fail && o.fail({errMsg: 'chooseMedia:fail cancel'})),
    chooseLocation: jest.fn(o => o.fail && o.fail({errMsg: 'chooseLocation:fail cancel'})),
    requestSubscribeMessage: jest.fn(o => o.fail && o.fail({errMsg: 'requestSubscribeMessage:fail'})),
    scanCode: jest.fn(o => o.fail && o.fail({errMsg: 'scanCode:fail cancel'})),
  }
  Object.assign(global.wx, fake)
  // the communities are cached for the session: each test starts a new one
  require('../utils/api.js').forgetCommunities()
  return {server, storage, wx: global.wx}
}

/** A route response that makes wx.request fail as if there were no network. */
function networkFailure(errMsg = 'request:fail') {
  return {__network: true, errMsg}
}

/** The recorded API requests, without logins, as "METHOD path" strings. */
function calls(server) {
  return server.requests.filter(r => r.path !== '/api/v1/auth/wxlogin').map(r => r.method + ' ' + r.path)
}

// jest keeps required modules cached, so a page's Component() runs once per
// test file: load each page once and render a fresh instance per test.
const loaded = {}

/** Load (once), render and attach a page; returns the component. */
function renderPage(name) {
  if (!loaded[name]) loaded[name] = simulate.load(path.join(__dirname, '..', 'pages', name, name))
  const id = loaded[name]
  const comp = simulate.render(id)
  const parent = document.createElement('parent-wrapper')
  comp.attach(parent)
  return comp
}

/** Render a page, run its onLoad(query) and let the loading settle; returns the component. */
async function openPage(name, query = {}) {
  const comp = renderPage(name)
  await comp.instance.onLoad(query)
  await flush()
  return comp
}

/** Text content of the first node matching the selector ('' when absent). */
function text(comp, selector) {
  const node = comp.querySelector(selector)
  return node ? node.dom.textContent.trim() : ''
}

function texts(comp, selector) {
  return comp.querySelectorAll(selector).map(n => n.dom.textContent.trim())
}

async function tap(comp, selector, detail) {
  const node = comp.querySelector(selector)
  if (!node) throw new Error('no element ' + selector)
  node.dispatchEvent('tap', detail ? {detail} : undefined)
  await flush()
}

async function input(comp, selector, value, event = 'input') {
  const node = comp.querySelector(selector)
  if (!node) throw new Error('no element ' + selector)
  node.dispatchEvent(event, {detail: {value}})
  await flush()
}

module.exports = {BASE, RESIDENT, flush, setup, networkFailure, calls, renderPage, openPage, text, texts, tap, input}
