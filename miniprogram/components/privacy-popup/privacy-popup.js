/**
 * The privacy popup (隐私保护指引): shown when WeChat holds a privacy API
 * (chooseMedia, chooseLocation) until the user agrees; see utils/privacy.js.
 */
const privacy = require('../../utils/privacy.js')

Component({
  data: {
    show: false,
    contractName: '《群众诉求小程序隐私保护指引》',
  },

  lifetimes: {
    attached() {
      this.stop = privacy.onRequest(() => this.open())
    },
    detached() {
      if (this.stop) this.stop()
    },
  },

  methods: {
    open() {
      if (wx.getPrivacySetting) {
        wx.getPrivacySetting({
          success: res => { if (res.privacyContractName) this.setData({contractName: res.privacyContractName}) },
        })
      }
      this.setData({show: true})
    },

    openContract() {
      if (wx.openPrivacyContract) wx.openPrivacyContract({})
    },

    /** bindagreeprivacyauthorization of the open-type="agreePrivacyAuthorization" button. */
    onAgree() {
      this.setData({show: false})
      privacy.agree('privacy-agree')
    },

    onDisagree() {
      this.setData({show: false})
      privacy.disagree()
    },
  },
})
