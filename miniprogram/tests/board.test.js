const h = require('./helpers')

const CATEGORIES = [
  {code: 'economy', name: '经济', children: [{code: 'social_security', name: '社保就业'}]},
  {code: 'livelihood', name: '民生', children: [{code: 'property', name: '物业管理'}, {code: 'culture_sports', name: '文化体育'}]},
]

function result(n, extra) {
  return Object.assign({
    number: '20240401-' + String(n).padStart(4, '0'),
    content: '公示诉求' + n,
    category: {code: 'property', name: '物业管理', parent: '民生'},
    community: '幸福里社区',
    unit: {id: 3, name: '建设办'},
    result: '已处理完毕' + n,
    outcome: null,
    rating: {score: 'satisfied', label: '满意', comment: ''},
    closed_at: '2024-04-20T17:00:00+08:00',
  }, extra)
}

function page(from, to, total, p) {
  const items = []
  for (let n = from; n <= to; n++) items.push(result(n))
  return {items, page: p, per_page: 20, total}
}

const COMMUNITY = encodeURIComponent('幸福里社区')
const COMMUNITIES = [
  {id: 1, name: '幸福里社区', lat: 31.23, lng: 121.47, active: true},
  {id: 2, name: '全椒路社区', lat: null, lng: null, active: true},
]

async function openBoard(routes, query) {
  const env = h.setup(Object.assign({'GET /api/v1/categories': CATEGORIES, 'GET /api/v1/communities': COMMUNITIES}, routes))
  const comp = await h.openPage('board', query)
  return Object.assign(env, {comp})
}

describe('办理公示 page', () => {
  test('lists closed public results with result, unit, community and rating', async () => {
    const {comp, server} = await openBoard({
      'GET /api/v1/board?page=1': {items: [
        result(1, {outcome: 'solved', outcome_label: '已解决'}),
        result(2, {category: null, unit: null, rating: null, community: '', result: '已答复'}),
      ], page: 1, per_page: 20, total: 2},
    })

    expect(h.calls(server)).toEqual(['GET /api/v1/categories', 'GET /api/v1/communities', 'GET /api/v1/board?page=1'])
    expect(h.texts(comp, '.item-number')).toEqual(['20240401-0001', '20240401-0002'])
    expect(h.texts(comp, '.board-result')).toEqual(['办理结果（已解决）：已处理完毕1', '办理结果：已答复'])
    expect(h.texts(comp, '.board-unit')).toEqual(['承办：建设办'])
    expect(h.texts(comp, '.board-community')).toEqual(['幸福里社区'])
    expect(h.texts(comp, '.board-rating')).toEqual(['群众评价：满意'])
    expect(h.texts(comp, '.item-category')).toEqual(['民生 · 物业管理'])
    expect(h.text(comp, '.summary')).toBe('共 2 条办结公示')
  })

  test('filters by category and community, and paging keeps the filters', async () => {
    const {comp, server} = await openBoard({
      'GET /api/v1/board?page=1': page(1, 20, 40, 1),
      'GET /api/v1/board?category=culture_sports&page=1': page(1, 3, 3, 1),
      ['GET /api/v1/board?community=' + COMMUNITY + '&category=culture_sports&page=1']: page(1, 20, 21, 1),
      ['GET /api/v1/board?community=' + COMMUNITY + '&category=culture_sports&page=2']: page(21, 21, 21, 2),
    })
    expect(comp.data.labels).toEqual(['全部分类', '经济 · 社保就业', '民生 · 物业管理', '民生 · 文化体育'])

    await h.input(comp, '.category-picker', '3', 'change')
    expect(h.text(comp, '.category-label')).toBe('民生 · 文化体育')
    expect(comp.querySelectorAll('.board-item')).toHaveLength(3)

    expect(comp.data.communityLabels).toEqual(['全部社区', '幸福里社区', '全椒路社区'])
    expect(h.text(comp, '.community-label')).toBe('全部社区')
    await h.input(comp, '.community-picker', 1, 'change')
    expect(h.text(comp, '.community-label')).toBe('幸福里社区')
    expect(comp.querySelectorAll('.board-item')).toHaveLength(20)
    expect(h.text(comp, '.active-filters')).toContain('幸福里社区')

    comp.instance.onReachBottom()
    await h.flush()
    expect(comp.querySelectorAll('.board-item')).toHaveLength(21)

    expect(h.calls(server)).toEqual([
      'GET /api/v1/categories',
      'GET /api/v1/communities',
      'GET /api/v1/board?page=1',
      'GET /api/v1/board?category=culture_sports&page=1',
      'GET /api/v1/board?community=' + COMMUNITY + '&category=culture_sports&page=1',
      'GET /api/v1/board?community=' + COMMUNITY + '&category=culture_sports&page=2',
    ])
  })

  test('clearing the filters goes back to everything', async () => {
    const {comp, server} = await openBoard({
      'GET /api/v1/board?page=1': page(1, 2, 2, 1),
      'GET /api/v1/board?category=property&page=1': page(1, 1, 1, 1),
    })

    await h.input(comp, '.category-picker', 2, 'change')
    await h.tap(comp, '.clear-btn')

    expect(h.text(comp, '.category-label')).toBe('全部分类')
    expect(h.text(comp, '.community-label')).toBe('全部社区')
    expect(comp.querySelector('.active-filters')).toBeFalsy()
    expect(h.calls(server).slice(-2)).toEqual(['GET /api/v1/board?category=property&page=1', 'GET /api/v1/board?page=1'])
  })

  test('全部社区 drops the community filter; a community in the page query is pre-selected', async () => {
    const {comp, server} = await openBoard({
      ['GET /api/v1/board?community=' + COMMUNITY + '&page=1']: page(1, 2, 2, 1),
      'GET /api/v1/board?page=1': page(1, 5, 5, 1),
    }, {community: '幸福里社区'})

    expect(h.text(comp, '.community-label')).toBe('幸福里社区')
    expect(comp.data.communityIndex).toBe(1)
    expect(comp.querySelectorAll('.board-item')).toHaveLength(2)

    await h.input(comp, '.community-picker', 0, 'change')
    expect(h.text(comp, '.community-label')).toBe('全部社区')
    expect(comp.querySelectorAll('.board-item')).toHaveLength(5)
    expect(comp.querySelector('.active-filters')).toBeFalsy()
    expect(h.calls(server).slice(-1)).toEqual(['GET /api/v1/board?page=1'])
    expect(comp.querySelector('.community-input')).toBeFalsy()
  })

  test('without the community list the board still loads, with 全部社区 only', async () => {
    const {comp} = await openBoard({
      'GET /api/v1/communities': h.networkFailure(),
      'GET /api/v1/board?page=1': page(1, 2, 2, 1),
    })
    expect(comp.data.communityLabels).toEqual(['全部社区'])
    expect(comp.querySelectorAll('.board-item')).toHaveLength(2)
  })

  test('no results shows the empty state', async () => {
    const {comp} = await openBoard({'GET /api/v1/board?page=1': {items: [], page: 1, per_page: 20, total: 0}})
    expect(h.text(comp, '.empty-text')).toBe('暂无符合条件的办结公示')
  })

  test('pull-down refresh reloads the first page', async () => {
    const {comp, server, wx} = await openBoard({'GET /api/v1/board?page=1': page(1, 2, 2, 1)})

    await comp.instance.onPullDownRefresh()

    expect(h.calls(server).filter(c => c === 'GET /api/v1/board?page=1')).toHaveLength(2)
    expect(wx.stopPullDownRefresh).toHaveBeenCalled()
  })
})
