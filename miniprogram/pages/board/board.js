/**
 * 办理公示 — public results of closed items, filtered by community and category.
 */
const api = require('../../utils/api.js')
const fmt = require('../../utils/format.js')

const ALL = {code: '', label: '全部分类'}
const ALL_COMMUNITIES = '全部社区'

/** The category tree → one flat picker list: 全部分类, then "民生 · 物业管理"… */
function categoryOptions(tree) {
  const options = [ALL]
  ;(tree || []).forEach(top => {
    ;(top.children || []).forEach(child => {
      options.push({code: child.code, label: top.name + ' · ' + child.name})
    })
  })
  return options
}

function boardItem(item) {
  const rating = item.rating
  return {
    number: item.number,
    content: item.content || '',
    category: fmt.categoryText(item.category),
    community: fmt.nameOf(item.community),
    unit: fmt.nameOf(item.unit),
    result: item.result || '',
    outcome: fmt.outcomeText(item),
    rating: rating ? (typeof rating === 'object' ? rating.label || '' : String(rating)) : '',
    closedAt: fmt.formatTime(item.closed_at),
  }
}

Component({
  data: {
    options: [ALL],
    labels: [ALL.label],
    categoryIndex: 0,
    communityLabels: [ALL_COMMUNITIES],
    communityIndex: 0,
    community: '',
    category: '',
    items: [],
    page: 0,
    total: 0,
    hasMore: false,
    loading: false,
    loaded: false,
    error: '',
  },

  methods: {
    onLoad(query) {
      const q = query || {}
      this.setData({community: q.community || '', category: q.category || ''})
      this.loadCategories()
      this.loadCommunities()
      this.load(1)
    },

    /** The community filter: 全部社区 and the office's communities (cached for the session). */
    async loadCommunities() {
      try {
        const picker = fmt.communityPicker(await api.communities(), ALL_COMMUNITIES, this.data.community)
        this.setData({communityLabels: picker.labels, communityIndex: picker.index})
      } catch (err) {
        // the board still works without the community filter
      }
    },

    async loadCategories() {
      try {
        const options = categoryOptions(await api.get('/categories'))
        const index = Math.max(0, options.findIndex(o => o.code === this.data.category))
        this.setData({options, labels: options.map(o => o.label), categoryIndex: index})
      } catch (err) {
        // the board still works without the category filter
      }
    },

    async load(page) {
      this.setData({loading: true, error: ''})
      try {
        const res = await api.get('/board', {community: this.data.community, category: this.data.category, page})
        this.setData(fmt.pagedData(this.data.items, res, page, boardItem))
      } catch (err) {
        this.setData({loading: false, loaded: true, error: err.message})
        api.showError(err)
      }
    },

    onCategoryChange(e) {
      const index = Number(e.detail.value)
      const option = this.data.options[index] || ALL
      this.setData({categoryIndex: index, category: option.code})
      this.load(1)
    },

    onCommunityChange(e) {
      const index = Number(e.detail.value) || 0
      this.setData({communityIndex: index, community: fmt.communityAt(this.data.communityLabels, index)})
      this.load(1)
    },

    clearFilters() {
      this.setData({community: '', communityIndex: 0, category: '', categoryIndex: 0})
      this.load(1)
    },

    async onPullDownRefresh() {
      await this.load(1)
      wx.stopPullDownRefresh()
    },

    onReachBottom() {
      if (this.data.hasMore && !this.data.loading) this.load(this.data.page + 1)
    },

    openItem(e) {
      wx.navigateTo({url: '/pages/item/item?number=' + e.currentTarget.dataset.number})
    },
  },
})
