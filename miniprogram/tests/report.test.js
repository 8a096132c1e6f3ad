const h = require('./helpers')

const CATEGORIES = [
  {code: 'economy', name: '经济', children: [{code: 'social_security', name: '社保就业', default_tier: 'limited', limit_days: 10}]},
  {code: 'livelihood', name: '民生', children: [
    {code: 'property', name: '物业管理', default_tier: 'limited', limit_days: 5},
    {code: 'public_security', name: '社会治安', default_tier: 'limited', limit_days: 3},
  ]},
  {code: 'work_style', name: '作风', children: [{code: 'cadre_style', name: '干部作风', default_tier: 'limited', limit_days: 5}]},
]
const TEMPLATES = [{id: 'TPL-PROGRESS', title: '诉求办理进度通知'}, {id: 'TPL-RESULT', title: '诉求办结通知'}, {id: 'TPL-RATE', title: '评价提醒'}]

function created(number) {
  return {status: 201, body: {number, status: 'collected', status_label: '已收集', round: 1, timeline: []}}
}

const COMMUNITIES = [
  {id: 1, name: '幸福里社区', lat: 31.23, lng: 121.47, active: true},
  {id: 2, name: '全椒路社区', lat: null, lng: null, active: true},
]

function resident(community) {
  return {user: Object.assign({}, h.RESIDENT, {community: community || null, name: null, phone: null})}
}

// A resident with no community yet who leaves the picker on 不清楚, unless `extra` says otherwise.
function routes(extra) {
  return Object.assign({
    'GET /api/v1/categories': CATEGORIES,
    'GET /api/v1/subscriptions/templates': TEMPLATES,
    'GET /api/v1/communities': COMMUNITIES,
    'GET /api/v1/me': resident(null),
  }, extra)
}

const LOAD_CALLS = ['GET /api/v1/categories', 'GET /api/v1/subscriptions/templates', 'GET /api/v1/communities', 'GET /api/v1/me']

describe('反映问题 page', () => {
  test('shows the category tree: top categories as tabs, sub-items as chips', async () => {
    h.setup(routes())
    const comp = await h.openPage('report')

    expect(h.texts(comp, '.top-tab')).toEqual(['经济', '民生', '作风'])
    expect(h.texts(comp, '.category-chip')).toEqual(['社保就业'])

    comp.querySelectorAll('.top-tab')[1].dispatchEvent('tap')
    await h.flush()
    expect(h.texts(comp, '.category-chip')).toEqual(['物业管理', '社会治安'])

    comp.querySelectorAll('.category-chip')[0].dispatchEvent('tap')
    await h.flush()
    expect(h.text(comp, '.picked-category')).toBe('物业管理')
  })

  test('submits with photos, place and consent: exact requests, consent posted, number shown', async () => {
    const {server, wx} = h.setup(routes({
      'POST /api/v1/uploads': req => ({status: 201, body: {id: req.filePath.endsWith('a.jpg') ? 11 : 12, url: '/media/x.jpg'}}),
      'POST /api/v1/items': created('20240501-0007'),
      'POST /api/v1/me/subscriptions': {granted: {'TPL-PROGRESS': 1, 'TPL-RATE': 1}},
      'GET /api/v1/me': resident('全椒路社区'),
    }))
    wx.chooseMedia = jest.fn(o => o.success({type: 'image', tempFiles: [{tempFilePath: 'wxfile://tmp/a.jpg'}, {tempFilePath: 'wxfile://tmp/b.jpg'}]}))
    wx.chooseLocation = jest.fn(o => o.success({name: '幸福里小区', address: '某市某区幸福路1号', latitude: 31.23, longitude: 121.47}))
    wx.requestSubscribeMessage = jest.fn(o => o.success({
      errMsg: 'requestSubscribeMessage:ok', 'TPL-PROGRESS': 'accept', 'TPL-RESULT': 'reject', 'TPL-RATE': 'accept',
    }))
    const comp = await h.openPage('report')

    comp.querySelectorAll('.top-tab')[1].dispatchEvent('tap')
    await h.flush()
    await h.tap(comp, '.category-chip')
    await h.input(comp, '.content-input', '  小区3号楼楼道灯坏了一个月，晚上上下楼很不安全  ')
    await h.tap(comp, '.add-photo')
    await h.tap(comp, '.location-text')
    // their own community is pre-selected; this problem is in another one
    expect(h.text(comp, '.community-label')).toBe('全椒路社区')
    expect(comp.querySelector('.community-ask')).toBeFalsy()
    await h.input(comp, '.community-picker', 1, 'change')
    await h.input(comp, '.building-input', '3号楼2单元')
    await h.input(comp, '.anonymous-switch', true, 'change')

    expect(wx.chooseMedia).toHaveBeenCalledWith(expect.objectContaining({count: 9, mediaType: ['image'], sizeType: ['compressed']}))
    expect(comp.querySelectorAll('.photo')).toHaveLength(2)
    expect(h.text(comp, '.location-text')).toBe('某市某区幸福路1号（幸福里小区）')

    await h.tap(comp, '.submit-btn')

    expect(h.calls(server)).toEqual([
      ...LOAD_CALLS,
      'POST /api/v1/uploads',
      'POST /api/v1/uploads',
      'POST /api/v1/items',
      'POST /api/v1/me/subscriptions',
    ])
    const uploads = server.requests.filter(r => r.kind === 'upload')
    expect(uploads.map(u => [u.filePath, u.name])).toEqual([['wxfile://tmp/a.jpg', 'file'], ['wxfile://tmp/b.jpg', 'file']])
    expect(server.requests.find(r => r.path === '/api/v1/items').data).toEqual({
      content: '小区3号楼楼道灯坏了一个月，晚上上下楼很不安全',
      category: 'property',
      community: '幸福里社区',
      address: '某市某区幸福路1号（幸福里小区） 3号楼2单元',
      lat: 31.23,
      lng: 121.47,
      photos: [11, 12],
      anonymous: true,
    })
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['TPL-PROGRESS', 'TPL-RESULT', 'TPL-RATE'])
    expect(server.requests.find(r => r.path === '/api/v1/me/subscriptions').data).toEqual({accepted: ['TPL-PROGRESS', 'TPL-RATE']})

    expect(h.text(comp, '.result-number')).toBe('20240501-0007')
    expect(h.text(comp, '.result-title')).toBe('提交成功')
    expect(comp.querySelector('.submit-btn')).toBeFalsy()

    await h.tap(comp, '.view-result-btn')
    expect(wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({url: '/pages/item/item?number=20240501-0007'}))

    // 继续反映 starts from an empty form
    await h.tap(comp, '.report-another-btn')
    expect(comp.querySelector('.result-number')).toBeFalsy()
    expect(comp.data.content).toBe('')
    expect(comp.querySelectorAll('.photo')).toHaveLength(0)
  })

  test('a removed photo is not sent, and the picker only offers the room left', async () => {
    const {server, wx} = h.setup(routes({
      'POST /api/v1/uploads': req => ({status: 201, body: {id: Number(req.filePath.replace(/\D/g, '')), url: '/m.jpg'}}),
      'POST /api/v1/items': created('20240501-0008'),
    }))
    wx.chooseMedia = jest.fn(o => o.success({tempFiles: [1, 2, 3].map(n => ({tempFilePath: 'wxfile://' + n}))}))
    const comp = await h.openPage('report')

    await h.tap(comp, '.add-photo')
    await h.tap(comp, '.add-photo')
    expect(wx.chooseMedia.mock.calls.map(c => c[0].count)).toEqual([9, 6])
    expect(comp.querySelectorAll('.photo')).toHaveLength(6)

    comp.querySelectorAll('.photo-remove')[1].dispatchEvent('tap')
    await h.flush()
    await h.input(comp, '.content-input', '路灯不亮已经两周了')
    await h.tap(comp, '.submit-btn')

    expect(server.requests.find(r => r.path === '/api/v1/items').data).toEqual({
      content: '路灯不亮已经两周了', photos: [1, 3, 1, 2, 3], anonymous: false,
    })
  })

  test('a complaint about officials is sent as conduct, which keeps it private', async () => {
    const {server} = h.setup(routes({'POST /api/v1/items': created('20240501-0010')}))
    const comp = await h.openPage('report')

    await h.input(comp, '.content-input', '社区窗口工作人员办事推诿，多次找不到人')
    await h.input(comp, '.conduct-switch', true, 'change')
    await h.tap(comp, '.submit-btn')

    expect(server.requests.find(r => r.path === '/api/v1/items').data).toEqual({
      content: '社区窗口工作人员办事推诿，多次找不到人', photos: [], anonymous: false, conduct: true,
    })
  })

  test('no consent granted: nothing is posted to /me/subscriptions, the number is still shown', async () => {
    const {server, wx} = h.setup(routes({'POST /api/v1/items': created('20240501-0009')}))
    wx.requestSubscribeMessage = jest.fn(o => o.success({'TPL-PROGRESS': 'reject', 'TPL-RESULT': 'ban', 'TPL-RATE': 'filter'}))
    const comp = await h.openPage('report')

    await h.input(comp, '.content-input', '垃圾清运不及时')
    await h.tap(comp, '.submit-btn')

    expect(h.calls(server)).not.toContain('POST /api/v1/me/subscriptions')
    expect(h.text(comp, '.result-number')).toBe('20240501-0009')
  })

  test.each([
    ['empty', '', '请填写问题描述'],
    ['blank', '    ', '请填写问题描述'],
    ['4 characters', '路灯坏了', '问题描述至少需要5个字，请写得具体一些'],
    ['2001 characters', '很'.repeat(2001), '问题描述不能超过2000个字'],
  ])('validation: %s content is refused with a Chinese message before any request', async (_, content, message) => {
    const {server, wx} = h.setup(routes())
    const comp = await h.openPage('report')

    await h.input(comp, '.content-input', content)
    await h.tap(comp, '.submit-btn')

    expect(h.text(comp, '.form-error')).toBe(message)
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: message}))
    expect(h.calls(server)).toEqual(LOAD_CALLS)
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(comp.querySelector('.result-number')).toBeFalsy()
  })

  test('a refused submission shows the server message and keeps the form', async () => {
    const {server} = h.setup(routes({
      'POST /api/v1/items': {status: 429, body: {error: {code: 'rate_limited', message: '提交太频繁，请稍后再试'}}},
    }))
    const comp = await h.openPage('report')

    await h.input(comp, '.content-input', '小区门口占道经营严重')
    await h.tap(comp, '.submit-btn')

    expect(h.text(comp, '.form-error')).toBe('提交太频繁，请稍后再试')
    expect(comp.querySelector('.result-number')).toBeFalsy()
    expect(comp.data.content).toBe('小区门口占道经营严重')
    expect(h.calls(server)).not.toContain('POST /api/v1/me/subscriptions')
  })

  test('offline submission says so in Chinese', async () => {
    h.setup(routes({'POST /api/v1/items': h.networkFailure()}))
    const comp = await h.openPage('report')

    await h.input(comp, '.content-input', '小区门口占道经营严重')
    await h.tap(comp, '.submit-btn')

    expect(h.text(comp, '.form-error')).toBe('网络连接失败，请检查网络后重试')
  })
})

describe('反映问题 page: the community picker', () => {
  test('lists the office communities behind 不清楚, pre-selects the resident\'s own and sends it', async () => {
    const {server} = h.setup(routes({
      'GET /api/v1/me': resident('幸福里社区'),
      'POST /api/v1/items': created('20240501-0011'),
    }))
    const comp = await h.openPage('report')

    expect(comp.data.communityLabels).toEqual(['不清楚（按位置判断）', '幸福里社区', '全椒路社区'])
    expect(h.text(comp, '.community-label')).toBe('幸福里社区')
    expect(comp.querySelector('.community-ask')).toBeFalsy()
    expect(comp.querySelector('.community-input')).toBeFalsy()

    await h.input(comp, '.content-input', '小区路灯坏了很久没人修')
    await h.tap(comp, '.submit-btn')

    expect(server.requests.find(r => r.path === '/api/v1/items').data.community).toBe('幸福里社区')
    expect(h.calls(server)).not.toContain('PATCH /api/v1/me')
    // the next report starts from their own community again
    await h.tap(comp, '.report-another-btn')
    expect(h.text(comp, '.community-label')).toBe('幸福里社区')
  })

  test('不清楚 sends no community, so the server judges it by the location', async () => {
    const {server} = h.setup(routes({
      'GET /api/v1/me': resident('幸福里社区'),
      'POST /api/v1/items': created('20240501-0012'),
    }))
    const comp = await h.openPage('report')

    await h.input(comp, '.community-picker', 0, 'change')
    expect(h.text(comp, '.community-label')).toBe('不清楚（按位置判断）')
    await h.input(comp, '.content-input', '小区路灯坏了很久没人修')
    await h.tap(comp, '.submit-btn')

    expect(server.requests.find(r => r.path === '/api/v1/items').data).not.toHaveProperty('community')
    expect(h.text(comp, '.result-number')).toBe('20240501-0012')
  })

  test('the list is asked once per session, for every report page opened', async () => {
    const {server} = h.setup(routes())
    await h.openPage('report')
    await h.openPage('report')

    expect(h.calls(server).filter(c => c === 'GET /api/v1/communities')).toHaveLength(1)
    expect(h.calls(server).filter(c => c === 'GET /api/v1/me')).toHaveLength(2)
  })

  test('first report without a community: asks, and saves the choice with PATCH /me after the report', async () => {
    const {server, storage} = h.setup(routes({
      'POST /api/v1/items': created('20240501-0013'),
      'PATCH /api/v1/me': req => ({user: Object.assign({}, h.RESIDENT, {community: req.data.community})}),
    }))
    const comp = await h.openPage('report')

    expect(h.text(comp, '.community-label')).toBe('不清楚（按位置判断）')
    expect(h.text(comp, '.community-ask')).toContain('请选择您所在的社区')

    await h.input(comp, '.community-picker', 2, 'change')
    await h.input(comp, '.content-input', '全椒路菜场门口污水横流')
    await h.tap(comp, '.submit-btn')

    expect(h.calls(server).slice(LOAD_CALLS.length)).toEqual(['POST /api/v1/items', 'PATCH /api/v1/me'])
    expect(server.requests.find(r => r.path === '/api/v1/items').data.community).toBe('全椒路社区')
    expect(server.requests.find(r => r.method === 'PATCH').data).toEqual({community: '全椒路社区'})
    expect(storage.sixstep_user.community).toBe('全椒路社区')
    expect(h.text(comp, '.result-number')).toBe('20240501-0013')

    // the second report no longer asks and starts from the saved community
    await h.tap(comp, '.report-another-btn')
    expect(comp.querySelector('.community-ask')).toBeFalsy()
    expect(h.text(comp, '.community-label')).toBe('全椒路社区')
  })

  test('first report left on 不清楚: nothing is saved, and the next report asks again', async () => {
    const {server} = h.setup(routes({'POST /api/v1/items': created('20240501-0014')}))
    const comp = await h.openPage('report')

    await h.input(comp, '.content-input', '全椒路菜场门口污水横流')
    await h.tap(comp, '.submit-btn')
    await h.tap(comp, '.report-another-btn')

    expect(h.calls(server)).not.toContain('PATCH /api/v1/me')
    expect(h.text(comp, '.community-ask')).toContain('请选择您所在的社区')
  })

  test('a failed PATCH /me does not hide the report number, and they are asked again', async () => {
    h.setup(routes({
      'POST /api/v1/items': created('20240501-0015'),
      'PATCH /api/v1/me': h.networkFailure(),
    }))
    const comp = await h.openPage('report')

    await h.input(comp, '.community-picker', 1, 'change')
    await h.input(comp, '.content-input', '全椒路菜场门口污水横流')
    await h.tap(comp, '.submit-btn')

    expect(h.text(comp, '.result-number')).toBe('20240501-0015')
    await h.tap(comp, '.report-another-btn')
    expect(comp.querySelector('.community-ask')).toBeTruthy()
  })

  test('unknown_community: shows the server message, fetches the list afresh and lets them pick again', async () => {
    let listed = COMMUNITIES
    const message = '社区不存在，应为：幸福里社区、全椒路东社区'
    const {server, wx} = h.setup(routes({
      'GET /api/v1/communities': () => listed,
      'POST /api/v1/items': req => (req.data.community === '全椒路社区'
        ? {status: 400, body: {error: {code: 'unknown_community', message, field: 'community'}}}
        : created('20240501-0016')),
      'PATCH /api/v1/me': req => ({user: Object.assign({}, h.RESIDENT, {community: req.data.community})}),
    }))
    const comp = await h.openPage('report')
    // the office renames the community while the page is open
    listed = [COMMUNITIES[0], {id: 2, name: '全椒路东社区', lat: null, lng: null, active: true}]

    await h.input(comp, '.community-picker', 2, 'change')
    await h.input(comp, '.content-input', '全椒路菜场门口污水横流')
    await h.tap(comp, '.submit-btn')

    expect(h.text(comp, '.community-error')).toBe(message)
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({content: message}))
    expect(comp.querySelector('.result-number')).toBeFalsy()
    expect(comp.data.communityLabels).toEqual(['不清楚（按位置判断）', '幸福里社区', '全椒路东社区'])
    expect(h.text(comp, '.community-label')).toBe('不清楚（按位置判断）')
    expect(h.calls(server)).not.toContain('PATCH /api/v1/me')

    await h.input(comp, '.community-picker', 2, 'change')
    expect(comp.querySelector('.community-error')).toBeFalsy()
    await h.tap(comp, '.submit-btn')

    expect(h.text(comp, '.result-number')).toBe('20240501-0016')
    expect(server.requests.filter(r => r.path === '/api/v1/items').map(r => r.data.community))
      .toEqual(['全椒路社区', '全椒路东社区'])
    expect(server.requests.find(r => r.method === 'PATCH').data).toEqual({community: '全椒路东社区'})
  })

  test('without the list (offline) the picker offers only 不清楚 and the report still goes in', async () => {
    const {server} = h.setup(routes({
      'GET /api/v1/communities': h.networkFailure(),
      'POST /api/v1/items': created('20240501-0017'),
    }))
    const comp = await h.openPage('report')

    expect(comp.data.communityLabels).toEqual(['不清楚（按位置判断）'])
    expect(comp.querySelector('.community-ask')).toBeFalsy()
    await h.input(comp, '.content-input', '全椒路菜场门口污水横流')
    await h.tap(comp, '.submit-btn')

    expect(server.requests.find(r => r.path === '/api/v1/items').data).not.toHaveProperty('community')
    expect(h.text(comp, '.result-number')).toBe('20240501-0017')
  })
})
