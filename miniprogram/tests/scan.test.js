const h = require('./helpers')

const SUPERVISOR = {kind: 'resident', id: 9, nickname: '王师傅', is_supervisor: true}

function item(number, extra) {
  return Object.assign({
    number,
    status: 'claimed',
    status_label: '办理中',
    content: '小区门口路面塌陷',
    unit: {id: 4, name: '城管科'},
    due: '2024-05-06',
    overdue: true,
    following: false,
    can_rate: false,
    timeline: [],
  }, extra)
}

async function openScan(user, routes) {
  const env = h.setup(Object.assign({'GET /api/v1/me': {user}}, routes))
  const comp = await h.openPage('scan')
  return Object.assign(env, {comp})
}

function scanReturns(wx, res) {
  wx.scanCode = jest.fn(o => o.success(Object.assign({errMsg: 'scanCode:ok', charSet: 'utf-8'}, res)))
}

describe('扫码督办 page', () => {
  test('a URL QR code loads the item; a resident can follow it but gets no supervision form', async () => {
    const {comp, server, wx} = await openScan(h.RESIDENT, {
      'GET /api/v1/items/20240501-0003': item('20240501-0003'),
      'POST /api/v1/items/20240501-0003/follow': {following: true},
    })
    scanReturns(wx, {scanType: 'QR_CODE', result: 'https://sixstep.example.gov.cn/i/20240501-0003?from=sheet'})

    await h.tap(comp, '.scan-btn')

    expect(wx.scanCode).toHaveBeenCalledTimes(1)
    expect(h.text(comp, '.scanned-item .item-number')).toBe('20240501-0003')
    expect(h.text(comp, '.scanned-item .chip')).toBe('办理中')
    expect(h.text(comp, '.item-unit')).toBe('承办单位：城管科')
    expect(h.text(comp, '.overdue-mark')).toBe('已超期')
    expect(comp.querySelector('.supervise-form')).toBeFalsy()
    expect(comp.querySelector('.supervise-btn')).toBeFalsy()

    await h.tap(comp, '.follow-btn')
    expect(h.text(comp, '.follow-btn')).toBe('已关注 · 取消关注')
    expect(h.calls(server)).toEqual([
      'GET /api/v1/me',
      'GET /api/v1/items/20240501-0003',
      'POST /api/v1/items/20240501-0003/follow',
    ])
  })

  test('our own mini-program code: the number comes from the scene in `path`', async () => {
    const {comp, server, wx} = await openScan(h.RESIDENT, {'GET /api/v1/items/20240501-0004': item('20240501-0004')})
    scanReturns(wx, {scanType: 'WX_CODE', result: '', path: 'pages/item/item?scene=' + encodeURIComponent('i=20240501-0004')})

    await h.tap(comp, '.scan-btn')

    expect(h.calls(server)).toEqual(['GET /api/v1/me', 'GET /api/v1/items/20240501-0004'])
    expect(h.text(comp, '.scanned-item .item-number')).toBe('20240501-0004')
  })

  test('a day past its 9999th item: five-digit numbers come whole from a scene and from a URL', async () => {
    const {comp, server, wx} = await openScan(h.RESIDENT, {'GET /api/v1/items/20240501-10004': item('20240501-10004')})
    scanReturns(wx, {scanType: 'WX_CODE', result: '', path: 'pages/item/item?scene=' + encodeURIComponent('i=20240501-10004')})

    await h.tap(comp, '.scan-btn')

    expect(h.calls(server)).toEqual(['GET /api/v1/me', 'GET /api/v1/items/20240501-10004'])
    expect(require('../utils/format').findNumber('https://x.example/items/20240501-10004')).toBe('20240501-10004')
  })

  test('a scene the page cannot parse is resolved with /scenes', async () => {
    const {comp, server, wx} = await openScan(h.RESIDENT, {
      'GET /api/v1/scenes/q%3D7f3a': {type: 'item', number: '20240501-0005'},
      'GET /api/v1/items/20240501-0005': item('20240501-0005'),
    })
    scanReturns(wx, {scanType: 'WX_CODE', result: '', path: 'pages/item/item?scene=q%3D7f3a'})

    await h.tap(comp, '.scan-btn')

    expect(h.calls(server)).toEqual(['GET /api/v1/me', 'GET /api/v1/scenes/q%3D7f3a', 'GET /api/v1/items/20240501-0005'])
    expect(h.text(comp, '.scanned-item .item-number')).toBe('20240501-0005')
  })

  test('an unrelated code says what to scan', async () => {
    const {comp, server, wx} = await openScan(h.RESIDENT, {})
    scanReturns(wx, {scanType: 'QR_CODE', result: 'https://example.com/shop'})

    await h.tap(comp, '.scan-btn')

    expect(h.text(comp, '.scan-error')).toBe('未识别到诉求编号，请扫描诉求二维码或督办证')
    expect(comp.querySelector('.scanned-item')).toBeFalsy()
    expect(h.calls(server)).toEqual(['GET /api/v1/me'])
  })

  test('a supervisor leaves a supervision note and urges; an empty note is refused', async () => {
    let reads = 0
    const {comp, server, wx} = await openScan(SUPERVISOR, {
      'GET /api/v1/items/20240501-0003': () => { reads += 1; return item('20240501-0003') },
      'POST /api/v1/staff/items/20240501-0003/supervise': item('20240501-0003'),
    })
    scanReturns(wx, {scanType: 'QR_CODE', result: 'http://127.0.0.1:5000/api/v1/items/20240501-0003/qrcode.png?n=20240501-0003'})

    await h.tap(comp, '.scan-btn')
    expect(comp.querySelector('.supervise-form')).toBeTruthy()

    await h.tap(comp, '.supervise-btn')
    expect(h.text(comp, '.note-error')).toBe('请填写督办意见')
    expect(h.calls(server)).not.toContain('POST /api/v1/staff/items/20240501-0003/supervise')

    await h.input(comp, '.note-input', '  现场查看，塌陷处已围挡但未修复  ')
    await h.input(comp, '.urge-switch', true, 'change')
    await h.tap(comp, '.supervise-btn')

    const post = server.requests.find(r => r.method === 'POST')
    expect(post.path).toBe('/api/v1/staff/items/20240501-0003/supervise')
    expect(post.data).toEqual({note: '现场查看，塌陷处已围挡但未修复', urge: true})
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '督办意见已提交'}))
    expect(comp.data.note).toBe('')
    expect(reads).toBe(2) // reloaded after the note
  })

  test('a supervision note without urging sends urge: false', async () => {
    const {comp, server} = await openScan(SUPERVISOR, {
      'GET /api/v1/items/20240501-0003': item('20240501-0003'),
      'POST /api/v1/staff/items/20240501-0003/supervise': item('20240501-0003'),
    })
    await h.input(comp, '.number-input', '20240501-0003')
    await h.tap(comp, '.lookup-btn')
    await h.input(comp, '.note-input', '已电话询问进度')
    await h.tap(comp, '.supervise-btn')

    expect(server.requests.find(r => r.method === 'POST').data).toEqual({note: '已电话询问进度', urge: false})
  })

  test('a refused supervision note shows the server message', async () => {
    const {comp} = await openScan(SUPERVISOR, {
      'GET /api/v1/items/20240501-0003': item('20240501-0003'),
      'POST /api/v1/staff/items/20240501-0003/supervise': {status: 403, body: {error: {code: 'forbidden', message: '督办证已过期'}}},
    })
    await h.input(comp, '.number-input', '20240501-0003')
    await h.tap(comp, '.lookup-btn')
    await h.input(comp, '.note-input', '已电话询问进度')
    await h.tap(comp, '.supervise-btn')

    expect(h.text(comp, '.note-error')).toBe('督办证已过期')
  })

  test('scanning a supervision badge binds it and unlocks the supervision form', async () => {
    let user = h.RESIDENT
    const {comp, server, wx} = await openScan(h.RESIDENT, {
      'GET /api/v1/me': () => ({user}),
      'POST /api/v1/badges/bind': () => { user = SUPERVISOR; return {ok: true} },
      'GET /api/v1/items/20240501-0003': item('20240501-0003'),
    })
    expect(comp.data.isSupervisor).toBe(false)
    scanReturns(wx, {scanType: 'QR_CODE', result: 'http://127.0.0.1:5000/b/Xy7_kq2'})

    await h.tap(comp, '.scan-btn')

    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({title: '绑定督办证'}))
    expect(server.requests.find(r => r.path === '/api/v1/badges/bind').data).toEqual({token: 'Xy7_kq2'})
    expect(comp.data.isSupervisor).toBe(true)

    await h.input(comp, '.number-input', '20240501-0003')
    await h.tap(comp, '.lookup-btn')
    expect(comp.querySelector('.supervise-form')).toBeTruthy()
  })

  test('typing a malformed number is refused without a request', async () => {
    const {comp, server} = await openScan(h.RESIDENT, {})
    await h.input(comp, '.number-input', '2024-1')
    await h.tap(comp, '.lookup-btn')

    expect(h.text(comp, '.scan-error')).toBe('请输入正确的诉求编号，如 20240501-0001')
    expect(h.calls(server)).toEqual(['GET /api/v1/me'])
  })
})

describe('督办员 list', () => {
  test('the scan page offers a supervisor their list', async () => {
    const {comp, wx} = await openScan(SUPERVISOR)
    await h.tap(comp, '.open-supervised-btn')
    expect(wx.navigateTo).toHaveBeenCalledWith({url: '/pages/supervised/supervised'})
  })
})
