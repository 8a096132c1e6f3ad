/**
 * 办理公示 — public results of closed items, filtered by community and category.
 */
const api = require('../../utils/api.js')
const fmt = require('../../utils/format.js')

const ALL = {code: '', label: '全部分类'}

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
    communityInput: '',
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
      this.setData({community: q.community || '', communityInput: q.community || '', category: q.category || ''})
      this.loadCategories()
      this.load(1)
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

    onCommunityInput(e) {
      this.setData({communityInput: e.detail.value || ''})
    },

    search() {
      this.setData({community: this.data.communityInput.trim()})
      this.load(1)
    },

    clearFilters() {
      this.setData({community: '', communityInput: '', category: '', categoryIndex: 0})
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
