const h = require('./helpers')
const api = require('../utils/api.js')

const EXPIRED = {status: 401, body: {error: {code: 'token_expired', message: '登录已过期，请重新登录'}}}

describe('utils/api', () => {
  test('logs in with wx.login when there is no token, stores it and sends it as a Bearer token', async () => {
    const {server, storage} = h.setup({'GET /api/v1/categories': []}, {token: null})

    await expect(api.get('/categories')).resolves.toEqual([])

    expect(server.requests.map(r => r.method + ' ' + r.path)).toEqual([
      'POST /api/v1/auth/wxlogin',
      'GET /api/v1/categories',
    ])
    expect(server.requests[0].data).toEqual({code: 'c1'})
    expect(server.requests[0].header.Authorization).toBeUndefined()
    expect(server.requests[1].header.Authorization).toBe('Bearer tok-c1')
    expect(storage.sixstep_token).toBe('tok-c1')
    expect(storage.sixstep_user).toEqual(h.RESIDENT)
  })

  test('uses the stored token without logging in', async () => {
    const {server, wx} = h.setup({'GET /api/v1/me': {user: h.RESIDENT}}, {token: 'kept'})

    await expect(api.me()).resolves.toEqual(h.RESIDENT)

    expect(wx.login).not.toHaveBeenCalled()
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0].header.Authorization).toBe('Bearer kept')
  })

  test('concurrent requests share one login', async () => {
    const {server} = h.setup({'GET /api/v1/categories': [], 'GET /api/v1/subscriptions/templates': []}, {token: null})

    await Promise.all([api.get('/categories'), api.get('/subscriptions/templates')])

    expect(server.logins).toBe(1)
    expect(server.requests.filter(r => r.path === '/api/v1/auth/wxlogin')).toHaveLength(1)
  })

  test('on 401 it logs in again once and retries the request once', async () => {
    const {server, storage} = h.setup({
      'GET /api/v1/items/mine?page=1': req => (req.header.Authorization === 'Bearer tok-c1'
        ? {items: [], page: 1, per_page: 20, total: 0}
        : EXPIRED),
    }, {token: 'stale'})

    await expect(api.get('/items/mine', {page: 1})).resolves.toEqual({items: [], page: 1, per_page: 20, total: 0})

    expect(server.requests.map(r => r.method + ' ' + r.path + ' ' + (r.header.Authorization || '-'))).toEqual([
      'GET /api/v1/items/mine?page=1 Bearer stale',
      'POST /api/v1/auth/wxlogin -',
      'GET /api/v1/items/mine?page=1 Bearer tok-c1',
    ])
    expect(storage.sixstep_token).toBe('tok-c1')
  })

  test('a second 401 is not retried again: it rejects with the server message', async () => {
    const {server, wx, storage} = h.setup({'GET /api/v1/me': EXPIRED}, {token: 'stale'})

    const err = await api.me().catch(e => e)

    expect(err).toBeInstanceOf(Error)
    expect(err.message).toBe('登录已过期，请重新登录')
    expect(err.code).toBe('token_expired')
    expect(err.status).toBe(401)
    expect(wx.login).toHaveBeenCalledTimes(1)
    expect(wx.request).toHaveBeenCalledTimes(3) // original, login, one retry
    expect(server.requests.filter(r => r.path === '/api/v1/me')).toHaveLength(2)
    expect(storage.sixstep_token).toBeUndefined()
  })

  test("propagates the server's Chinese error message, code and field", async () => {
    h.setup({
      'POST /api/v1/items/20240501-0001/rating': {status: 409, body: {error: {code: 'wrong_state', message: '该诉求还未办结，暂不能评价'}}},
      'POST /api/v1/items': {status: 400, body: {error: {code: 'invalid', field: 'content', message: '问题描述不能为空'}}},
    })

    const e1 = await api.post('/items/20240501-0001/rating', {score: 'satisfied'}).catch(e => e)
    expect([e1.message, e1.code, e1.status]).toEqual(['该诉求还未办结，暂不能评价', 'wrong_state', 409])

    const e2 = await api.post('/items', {content: ''}).catch(e => e)
    expect([e2.message, e2.code, e2.field]).toEqual(['问题描述不能为空', 'invalid', 'content'])
  })

  test('a server error without a JSON body gets a readable Chinese message', async () => {
    h.setup({'GET /api/v1/board?page=1': {status: 502, body: '<html>Bad Gateway</html>'}})

    const err = await api.get('/board', {page: 1}).catch(e => e)

    expect(err.message).toBe('服务暂时不可用，请稍后重试')
    expect(err.code).toBe('server_error')
  })

  test('network failure rejects as offline', async () => {
    h.setup({'GET /api/v1/categories': h.networkFailure('request:fail ')})

    const err = await api.get('/categories').catch(e => e)

    expect(err).toBeInstanceOf(Error)
    expect(err.message).toBe('网络连接失败，请检查网络后重试')
    expect(err.code).toBe('offline')
  })

  test('timeout rejects as timeout', async () => {
    const {wx} = h.setup({'GET /api/v1/categories': h.networkFailure('request:fail timeout')})

    const err = await api.get('/categories').catch(e => e)

    expect(err.message).toBe('请求超时，请稍后重试')
    expect(err.code).toBe('timeout')
    expect(wx.request.mock.calls[0][0].timeout).toBeGreaterThan(0)
  })

  test('a failed wx.login rejects with a Chinese message', async () => {
    const {wx, server} = h.setup({'GET /api/v1/categories': []}, {token: null})
    wx.login = jest.fn(o => o.fail({errMsg: 'login:fail'}))

    const err = await api.get('/categories').catch(e => e)

    expect(err.message).toBe('微信登录失败，请稍后重试')
    expect(server.requests).toHaveLength(0)
  })

  test('upload sends the file as field "file" with the token and parses the JSON string body', async () => {
    const {server, wx} = h.setup({'POST /api/v1/uploads': {status: 201, body: {id: 42, url: '/media/42.jpg'}}})

    await expect(api.upload('wxfile://tmp/a.jpg')).resolves.toEqual({id: 42, url: '/media/42.jpg'})

    const call = wx.uploadFile.mock.calls[0][0]
    expect(call.url).toBe('http://127.0.0.1:5000/api/v1/uploads')
    expect(call.name).toBe('file')
    expect(call.filePath).toBe('wxfile://tmp/a.jpg')
    expect(call.header.Authorization).toBe('Bearer tok-existing')
    expect(server.requests).toHaveLength(1)
  })

  test('upload also re-logs in once on 401 and reports server errors', async () => {
    const {server} = h.setup({
      'POST /api/v1/uploads': req => (req.header.Authorization === 'Bearer tok-c1'
        ? {status: 413, body: {error: {code: 'too_large', message: '图片不能超过10MB'}}}
        : EXPIRED),
    }, {token: 'stale'})

    const err = await api.upload('wxfile://tmp/big.jpg').catch(e => e)

    expect(err.message).toBe('图片不能超过10MB')
    expect(err.code).toBe('too_large')
    expect(server.requests.map(r => r.path)).toEqual(['/api/v1/uploads', '/api/v1/auth/wxlogin', '/api/v1/uploads'])
  })

  test('query strings leave out empty values and are encoded', () => {
    expect(api.query({community: '幸福里', category: '', page: 2})).toBe('?community=%E5%B9%B8%E7%A6%8F%E9%87%8C&page=2')
    expect(api.query({})).toBe('')
    expect(api.absUrl('/media/1.jpg')).toBe('http://127.0.0.1:5000/media/1.jpg')
    expect(api.absUrl('https://cdn.example.com/1.jpg')).toBe('https://cdn.example.com/1.jpg')
  })

  test('showError: a toast for short messages, a modal for long ones', () => {
    const {wx} = h.setup()

    api.showError(new Error('请求超时，请稍后重试'))
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '请求超时，请稍后重试', icon: 'none'}))

    const long = '该诉求已合并到 20240501-0002，请在该诉求中查看办理进度'
    api.showError(new Error(long))
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({content: long, showCancel: false}))
  })
})
