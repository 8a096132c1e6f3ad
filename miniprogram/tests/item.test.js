const h = require('./helpers')

const NUMBER = '20240501-0001'

function detail(extra) {
  return Object.assign({
    number: NUMBER,
    status: 'resolved',
    status_label: '待评议',
    round: 1,
    content: '幸福里3号楼楼道灯坏了一个月',
    community: '幸福里社区',
    address: '幸福路1号 3号楼',
    lat: 31.2,
    lng: 121.4,
    category: {code: 'property', name: '物业管理', parent: '民生'},
    unit: {id: 3, name: '建设办'},
    tier: 'limited',
    tier_label: '限时办结',
    due: '2024-05-08',
    overdue: true,
    photos: [{id: 11, url: '/media/11.jpg', kind: 'report'}, {id: 12, url: 'https://cdn.example.com/12.jpg', kind: 'result'}],
    result: '已更换楼道灯12盏',
    outcome: null,
    rating: null,
    can_rate: true,
    following: false,
    created_at: '2024-05-01T09:30:00+08:00',
    closed_at: null,
    timeline: [
      {kind: 'collected', label: '意见收集', at: '2024-05-01T09:30:00+08:00', actor: '群众', note: '', round: 1},
      {kind: 'classified', label: '梳理分类', at: '2024-05-01T14:05:00+08:00', actor: '活动办', note: '交建设办限时办结', round: 1},
      {kind: 'claimed', label: '公开领办', at: '2024-05-02T08:40:00+08:00', actor: '建设办', note: '', round: 1},
      {kind: 'supervised', label: '督查督办', at: '2024-05-06T10:00:00+08:00', actor: '王**', note: '现场查看，尚未更换', round: 1},
      {kind: 'resolved', label: '限时办结', at: '2024-05-09T16:20:00+08:00', actor: '建设办', note: '已更换楼道灯12盏', round: 1},
    ],
  }, extra)
}

async function openItem(query, routes) {
  const env = h.setup(routes)
  const comp = await h.openPage('item', query)
  return Object.assign(env, {comp})
}

describe('诉求详情 page', () => {
  test('renders status, unit, deadline with overdue mark, photos and the full timeline', async () => {
    const {comp, wx} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: detail()})

    expect(h.text(comp, '.item-number')).toBe(NUMBER)
    expect(h.text(comp, '.status-chip')).toBe('待评议')
    expect(comp.querySelector('.status-chip').dom.className).toContain('chip-resolved')
    expect(h.text(comp, '.item-unit')).toBe('建设办')
    expect(h.text(comp, '.item-category')).toBe('民生 · 物业管理')
    expect(h.text(comp, '.item-tier')).toBe('限时办结')
    expect(h.text(comp, '.item-due')).toBe('2024-05-08已超期')
    expect(h.text(comp, '.overdue-mark')).toBe('已超期')
    expect(h.text(comp, '.item-result')).toBe('已更换楼道灯12盏')
    expect(comp.querySelector('.round-note')).toBeFalsy()

    expect(h.texts(comp, '.timeline-label')).toEqual(['意见收集', '梳理分类', '公开领办', '督查督办', '限时办结'])
    expect(h.texts(comp, '.timeline-actor')).toEqual(['群众', '活动办', '建设办', '王**', '建设办'])
    expect(h.texts(comp, '.timeline-at')).toEqual([
      '2024-05-01 09:30', '2024-05-01 14:05', '2024-05-02 08:40', '2024-05-06 10:00', '2024-05-09 16:20',
    ])
    expect(h.texts(comp, '.timeline-note')).toEqual(['交建设办限时办结', '现场查看，尚未更换', '已更换楼道灯12盏'])

    const photos = comp.querySelectorAll('.photo-img')
    expect(photos).toHaveLength(2)
    photos[1].dispatchEvent('tap')
    await h.flush()
    expect(wx.previewImage).toHaveBeenCalledWith({
      current: 'https://cdn.example.com/12.jpg',
      urls: ['http://127.0.0.1:5000/media/11.jpg', 'https://cdn.example.com/12.jpg'],
    })
  })

  test('no overdue mark when on time, and a returned item shows its round', async () => {
    const {comp} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: detail({
      overdue: false, round: 2, status: 'classified', status_label: '待领办', can_rate: false,
      timeline: [{kind: 'returned', label: '返回重新交办', at: '2024-05-10T09:00:00+08:00', actor: '群众', note: '灯还是不亮', round: 2}],
    })})

    expect(h.text(comp, '.item-due')).toBe('2024-05-08')
    expect(comp.querySelector('.overdue-mark')).toBeFalsy()
    expect(h.text(comp, '.round-note')).toBe('第2轮办理（群众不满意，已返回重新交办）')
    expect(h.text(comp, '.timeline-round')).toBe('第2轮')
  })

  test('the rating form shows only when can_rate is true', async () => {
    const {comp} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: detail({can_rate: false})})
    expect(comp.querySelector('.rating-form')).toBeFalsy()
    expect(comp.querySelector('.submit-rating-btn')).toBeFalsy()
  })

  test('不满意 needs a reason; with one it posts the rating and shows the result', async () => {
    const rated = detail({
      status: 'classified', status_label: '待领办', round: 2, can_rate: false,
      rating: {score: 'unsatisfied', label: '不满意', comment: '灯还是经常不亮'},
    })
    const {comp, server, wx} = await openItem({number: NUMBER}, {
      ['GET /api/v1/items/' + NUMBER]: detail(),
      ['POST /api/v1/items/' + NUMBER + '/rating']: rated,
    })
    expect(h.texts(comp, '.score-option')).toEqual(['满意', '基本满意', '不满意'])

    await h.tap(comp, '.score-unsatisfied')
    await h.tap(comp, '.submit-rating-btn')
    expect(h.text(comp, '.rating-error')).toBe('选择“不满意”时，请填写不满意的原因')
    expect(h.calls(server)).toEqual(['GET /api/v1/items/' + NUMBER])

    await h.input(comp, '.comment-input', '   ')
    await h.tap(comp, '.submit-rating-btn')
    expect(h.calls(server)).toEqual(['GET /api/v1/items/' + NUMBER])

    await h.input(comp, '.comment-input', '灯还是经常不亮')
    await h.tap(comp, '.submit-rating-btn')

    const post = server.requests.find(r => r.method === 'POST')
    expect(post.path).toBe('/api/v1/items/' + NUMBER + '/rating')
    expect(post.data).toEqual({score: 'unsatisfied', comment: '灯还是经常不亮'})
    expect(comp.querySelector('.rating-form')).toBeFalsy()
    expect(h.text(comp, '.rating-given')).toBe('不满意')
    expect(h.text(comp, '.rating-comment')).toBe('灯还是经常不亮')
    expect(h.text(comp, '.status-chip')).toBe('待领办')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({title: '感谢您的评价'}))
  })

  test('满意 needs no reason; a score is required', async () => {
    const {comp, server} = await openItem({number: NUMBER}, {
      ['GET /api/v1/items/' + NUMBER]: detail(),
      ['POST /api/v1/items/' + NUMBER + '/rating']: detail({
        status: 'closed', status_label: '已办结', can_rate: false, rating: {score: 'satisfied', label: '满意', comment: ''},
      }),
    })

    await h.tap(comp, '.submit-rating-btn')
    expect(h.text(comp, '.rating-error')).toBe('请选择满意、基本满意或不满意')

    await h.tap(comp, '.score-satisfied')
    await h.tap(comp, '.submit-rating-btn')

    expect(server.requests.find(r => r.method === 'POST').data).toEqual({score: 'satisfied'})
    expect(h.text(comp, '.rating-given')).toBe('满意')
    expect(h.text(comp, '.status-chip')).toBe('已办结')
  })

  test('基本满意 posts basically_satisfied with the optional comment', async () => {
    const {comp, server} = await openItem({number: NUMBER}, {
      ['GET /api/v1/items/' + NUMBER]: detail(),
      ['POST /api/v1/items/' + NUMBER + '/rating']: detail({can_rate: false}),
    })

    await h.tap(comp, '.score-basically_satisfied')
    await h.input(comp, '.comment-input', '希望以后及时巡查')
    await h.tap(comp, '.submit-rating-btn')

    expect(server.requests.find(r => r.method === 'POST').data).toEqual({score: 'basically_satisfied', comment: '希望以后及时巡查'})
  })

  test('a refused rating shows the server message', async () => {
    const {comp} = await openItem({number: NUMBER}, {
      ['GET /api/v1/items/' + NUMBER]: detail(),
      ['POST /api/v1/items/' + NUMBER + '/rating']: {status: 409, body: {error: {code: 'wrong_state', message: '该诉求已评价过'}}},
    })

    await h.tap(comp, '.score-satisfied')
    await h.tap(comp, '.submit-rating-btn')

    expect(h.text(comp, '.rating-error')).toBe('该诉求已评价过')
    expect(comp.querySelector('.rating-form')).toBeTruthy()
  })

  test('follow and unfollow toggle with POST and DELETE', async () => {
    const {comp, server} = await openItem({number: NUMBER}, {
      ['GET /api/v1/items/' + NUMBER]: detail({following: false}),
      ['POST /api/v1/items/' + NUMBER + '/follow']: {following: true},
      ['DELETE /api/v1/items/' + NUMBER + '/follow']: {following: false},
    })
    expect(h.text(comp, '.follow-btn')).toBe('关注办理进度')

    await h.tap(comp, '.follow-btn')
    expect(h.text(comp, '.follow-btn')).toBe('已关注 · 取消关注')

    await h.tap(comp, '.follow-btn')
    expect(h.text(comp, '.follow-btn')).toBe('关注办理进度')

    expect(h.calls(server)).toEqual([
      'GET /api/v1/items/' + NUMBER,
      'POST /api/v1/items/' + NUMBER + '/follow',
      'DELETE /api/v1/items/' + NUMBER + '/follow',
    ])
  })

  test('opens from a mini-program code scene, parsed locally', async () => {
    const {comp, server} = await openItem({scene: encodeURIComponent('i=' + NUMBER)}, {
      ['GET /api/v1/items/' + NUMBER]: detail(),
    })

    expect(h.calls(server)).toEqual(['GET /api/v1/items/' + NUMBER])
    expect(h.text(comp, '.item-number')).toBe(NUMBER)
  })

  test('a scene it cannot parse is resolved by the server', async () => {
    const {comp, server} = await openItem({scene: encodeURIComponent('x=ab12')}, {
      'GET /api/v1/scenes/x%3Dab12': {type: 'item', number: '20240502-0003'},
      'GET /api/v1/items/20240502-0003': detail({number: '20240502-0003'}),
    })

    expect(h.calls(server)).toEqual(['GET /api/v1/scenes/x%3Dab12', 'GET /api/v1/items/20240502-0003'])
    expect(h.text(comp, '.item-number')).toBe('20240502-0003')
  })

  test('shows the outcome label, a rejection reason and a merge target', async () => {
    const {comp, wx} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: detail({
      outcome: 'explained', outcome_label: '已说明', reject_reason: '属于法院管辖，请通过诉讼途径解决', merged_into: '20240430-0002',
    })})

    expect(h.text(comp, '.item-outcome')).toBe('办理结论：已说明')
    expect(h.text(comp, '.reject-reason')).toBe('属于法院管辖，请通过诉讼途径解决')
    expect(h.text(comp, '.merged-number')).toBe('20240430-0002')
    await h.tap(comp, '.merged-link')
    expect(wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({url: '/pages/item/item?number=20240430-0002'}))
  })

  test('an outcome code without a label is not shown raw', async () => {
    const {comp} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: detail({outcome: 'solved'})})
    expect(comp.querySelector('.item-outcome')).toBeFalsy()
    expect(comp.querySelector('.reject-reason')).toBeFalsy()
    expect(comp.querySelector('.merged-link')).toBeFalsy()
  })

  test('an unknown item shows the server message', async () => {
    const {comp} = await openItem({number: '20240501-0404'}, {
      'GET /api/v1/items/20240501-0404': {status: 404, body: {error: {code: 'not_found', message: '未找到该诉求'}}},
    })

    expect(h.text(comp, '.error-text')).toBe('未找到该诉求')
    expect(comp.querySelector('.timeline')).toBeFalsy()
  })
})

describe('诉求详情 page: voice messages', () => {
  const WITH_VOICE = detail({photos: [
    {id: 11, url: '/uploads/11', kind: 'report'},
    {id: 13, url: '/uploads/13', kind: 'voice'},
    {id: 12, url: '/uploads/12', kind: 'result'},
  ]})

  function fakeAudio(wx, fails) {
    const audio = {handlers: {}, src: '', play: jest.fn(), stop: jest.fn(), destroy: jest.fn()}
    ;['onEnded', 'onStop', 'onError'].forEach(name => { audio[name] = fn => { audio.handlers[name] = fn } })
    audio.play.mockImplementation(() => { if (fails) audio.handlers.onError({errCode: 10004}) })
    audio.stop.mockImplementation(() => audio.handlers.onStop && audio.handlers.onStop())
    wx.createInnerAudioContext = jest.fn(() => audio)
    wx.downloadFile = jest.fn(o => Promise.resolve().then(() => o.success({statusCode: 200, tempFilePath: 'wxfile://tmp/voice.amr'})))
    return audio
  }

  test('a voice attachment is not rendered as a picture but as a play button', async () => {
    const {comp, wx} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: WITH_VOICE})

    const photos = comp.querySelectorAll('.photo-img')
    expect(photos).toHaveLength(2)
    expect(comp.data.item.photos).toEqual([
      'http://127.0.0.1:5000/uploads/11', 'http://127.0.0.1:5000/uploads/12',
    ])
    expect(h.texts(comp, '.voice-label')).toEqual(['语音留言'])
    photos[0].dispatchEvent('tap')
    await h.flush()
    expect(wx.previewImage.mock.calls[0][0].urls).not.toContain('http://127.0.0.1:5000/uploads/13')
  })

  test('tapping it downloads the voice with the token and plays it; tapping again stops', async () => {
    const {comp, wx} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: WITH_VOICE})
    const audio = fakeAudio(wx, false)

    await h.tap(comp, '.voice')

    expect(wx.downloadFile).toHaveBeenCalledWith(expect.objectContaining({
      url: 'http://127.0.0.1:5000/uploads/13', header: {Authorization: 'Bearer tok-existing'},
    }))
    expect(audio.src).toBe('wxfile://tmp/voice.amr')
    expect(audio.play).toHaveBeenCalledTimes(1)
    expect(h.text(comp, '.voice-action')).toBe('停止')

    await h.tap(comp, '.voice')
    expect(audio.stop).toHaveBeenCalledTimes(1)
    expect(h.text(comp, '.voice-action')).toBe('点击播放')
  })

  test('a phone that cannot play it says so in Chinese', async () => {
    const {comp, wx} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: WITH_VOICE})
    fakeAudio(wx, true)

    await h.tap(comp, '.voice')

    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({content: expect.stringContaining('本机无法播放这段语音')}))
    expect(h.text(comp, '.voice-action')).toBe('点击播放')
  })

  test('no voice: no voice row', async () => {
    const {comp} = await openItem({number: NUMBER}, {['GET /api/v1/items/' + NUMBER]: detail()})
    expect(comp.querySelector('.voices')).toBeFalsy()
    expect(comp.querySelectorAll('.photo-img')).toHaveLength(2)
  })
})

const EVALUATOR = {kind: 'resident', id: 9, nickname: '刘师傅', is_supervisor: true}

describe('督办评议 on the item page', () => {
  test('a badge holder evaluates a resolved item: a score is required, then it is posted', async () => {
    const env = h.setup({
      ['GET /api/v1/items/' + NUMBER]: detail({can_rate: false}),
      ['POST /api/v1/items/' + NUMBER + '/evaluation']: detail({can_rate: false}),
    })
    env.storage.sixstep_user = EVALUATOR
    const comp = await h.openPage('item', {number: NUMBER})
    expect(h.texts(comp, '.eval-option')).toEqual(['满意', '基本满意', '不满意'])
    await h.tap(comp, '.submit-evaluation-btn')
    expect(h.text(comp, '.eval-error')).toBe('请选择满意、基本满意或不满意')
    expect(h.calls(env.server)).toEqual(['GET /api/v1/items/' + NUMBER])

    await h.tap(comp, '.eval-option.score-basically_satisfied')
    await h.input(comp, '.eval-comment', '  灯亮了，楼道还需清扫 ')
    await h.tap(comp, '.submit-evaluation-btn')
    const posted = env.server.requests.filter(r => r.method === 'POST')
    expect(posted.map(r => [r.path, r.data])).toEqual([
      ['/api/v1/items/' + NUMBER + '/evaluation', {score: 'basically_satisfied', comment: '灯亮了，楼道还需清扫'}],
    ])
    expect(h.text(comp, '.evaluation-done')).toContain('已记入交办单')
    expect(env.wx.showToast).toHaveBeenCalledWith({title: '督办评议已提交', icon: 'success'})
  })

  test('no form for an ordinary resident, nor for an item still being handled', async () => {
    let env = h.setup({['GET /api/v1/items/' + NUMBER]: detail({can_rate: false})})
    env.storage.sixstep_user = Object.assign({}, EVALUATOR, {is_supervisor: false})
    let comp = await h.openPage('item', {number: NUMBER})
    expect(comp.querySelector('.evaluation-form')).toBeFalsy()
    env = h.setup({['GET /api/v1/items/' + NUMBER]: detail({status: 'claimed', status_label: '办理中'})})
    env.storage.sixstep_user = EVALUATOR
    comp = await h.openPage('item', {number: NUMBER})
    expect(comp.querySelector('.evaluation-form')).toBeFalsy()
  })
})
